/**
 * MurmurHash3, x86 32-bit (Austin Appleby, public domain), over the UTF-8 bytes of a string. Fast,
 * well distributed, and identical on every platform: placement depends on it, so its outputs are
 * pinned by golden vectors (changing them is a protocol change).
 */
export function hash32(key: string, seed = 0): number {
  const data = Buffer.from(key, 'utf8');
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed >>> 0;
  const blocks = data.length & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const rest = data.length & 3;
  if (rest) {
    let k = 0;
    if (rest === 3) k ^= data[blocks + 2] << 16;
    if (rest >= 2) k ^= data[blocks + 1] << 8;
    k ^= data[blocks];
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= data.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The partition of a key among `partitions` (the kv datastore's unit of anti-entropy and placement). */
export function partitionOf(key: string, partitions: number): number {
  if (!Number.isSafeInteger(partitions) || partitions < 1) throw new RangeError('partitions must be a positive integer');
  return hash32(key) % partitions;
}
