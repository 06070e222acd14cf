import { hash32 } from '@app/hashing';

/**
 * A partition's Merkle tree (Dynamo §4.7), three levels: 1 root, 16 inner nodes, 256 leaves. A key
 * lives in one leaf; a leaf's hash combines the hashes of its (key, version, deleted) entries with
 * XOR, and an inner node's the hashes of its children, so one write updates a leaf in O(1) (XOR out
 * the old entry, XOR in the new) and the tree needs no rebuilding. Two 32-bit lanes make 64 bits.
 * Replicas compare roots, then only the children of nodes that differ, so the bytes exchanged follow
 * the difference, not the data set.
 */
export const FANOUT = 16;
export const LEAVES = FANOUT * FANOUT;

export function leafOf(key: string): number {
  return hash32(key, 0x5eed) % LEAVES;
}

export function entryHash(key: string, version: string, deleted: boolean): [number, number] {
  const s = `${key}\u0000${version}\u0000${deleted ? 1 : 0}`;
  return [hash32(s, 1), hash32(s, 2)];
}

export class PartitionTree {
  /** two lanes per leaf */
  private readonly leaves = new Uint32Array(LEAVES * 2);

  toggle(leaf: number, h: [number, number]): void {
    this.leaves[leaf * 2] ^= h[0];
    this.leaves[leaf * 2 + 1] ^= h[1];
  }

  /** Hash of the node at (level, index): level 0 is the root, 1 the inner nodes, 2 the leaves. */
  hash(level: number, index: number): string {
    const [from, count] = level === 0 ? [0, LEAVES] : level === 1 ? [index * FANOUT, FANOUT] : [index, 1];
    let a = 0;
    let b = 0;
    for (let i = from; i < from + count; i++) {
      a ^= this.leaves[i * 2];
      b ^= this.leaves[i * 2 + 1];
    }
    return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
  }

  /** The indexes of the children of a node. */
  static children(level: number, index: number): number[] {
    if (level === 0) return Array.from({ length: FANOUT }, (_, i) => i);
    if (level === 1) return Array.from({ length: FANOUT }, (_, i) => index * FANOUT + i);
    return [];
  }
}
