import { partitionOf } from '@app/hashing';
import type { KvEntry, KvNamespaceSpec, KvVersion } from '@app/contracts';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { entryHash, leafOf, PartitionTree } from './merkle';
import { compareVersions, versionString } from './versions';

export interface StoredEntry {
  value?: unknown;
  version: KvVersion;
  deleted: boolean;
  partition: number;
  leaf: number;
  hash: [number, number];
}

/**
 * One namespace of this node's store: every entry with its version (deletes as tombstones), the
 * Merkle tree of each partition, and — for a durable namespace — an append-only log on disk that is
 * replayed at start (each line is written before the write is acknowledged; a process crash loses
 * nothing that was acknowledged, a power cut may lose the last lines unless KV_FSYNC=1).
 */
export class KvNamespace {
  readonly entries = new Map<string, StoredEntry>();
  readonly trees: PartitionTree[];
  /** keys per partition and leaf, for anti-entropy and scans */
  private readonly index: Map<number, Set<string>>[];
  private fd: number | null = null;
  private lines = 0;

  constructor(
    readonly spec: KvNamespaceSpec,
    readonly partitions: number,
    private readonly file: string | null,
    private readonly fsync = false,
  ) {
    this.trees = Array.from({ length: partitions }, () => new PartitionTree());
    this.index = Array.from({ length: partitions }, () => new Map());
    if (file) this.replay(file);
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): StoredEntry | undefined {
    return this.entries.get(key);
  }

  partitionOf(key: string): number {
    return partitionOf(key, this.partitions);
  }

  /** Last writer wins by version: applies the entry when it is newer than what is held. */
  apply(e: KvEntry): boolean {
    const cur = this.entries.get(e.key);
    if (cur && compareVersions(cur.version, e.version) >= 0) return false;
    const partition = cur?.partition ?? this.partitionOf(e.key);
    const leaf = cur?.leaf ?? leafOf(e.key);
    const tree = this.trees[partition];
    if (cur) tree.toggle(leaf, cur.hash);
    const deleted = !!e.deleted;
    const hash = entryHash(e.key, versionString(e.version), deleted);
    tree.toggle(leaf, hash);
    this.entries.set(e.key, { value: deleted ? undefined : e.value, version: e.version, deleted, partition, leaf, hash });
    if (!cur) {
      let keys = this.index[partition].get(leaf);
      if (!keys) this.index[partition].set(leaf, (keys = new Set()));
      keys.add(e.key);
    }
    if (this.fd !== null) this.log(e);
    return true;
  }

  /**
   * Fault injection for tests only: makes this copy diverge by forgetting a key outright (no
   * tombstone), as a lost write would. Anti-entropy must bring it back.
   */
  forget(key: string): boolean {
    const cur = this.entries.get(key);
    if (!cur) return false;
    this.trees[cur.partition].toggle(cur.leaf, cur.hash);
    this.entries.delete(key);
    this.index[cur.partition].get(cur.leaf)?.delete(key);
    return true;
  }

  keysIn(partition: number, leaves: number[]): string[] {
    const out: string[] = [];
    for (const l of leaves) for (const k of this.index[partition].get(l) ?? []) out.push(k);
    return out;
  }

  /** Live (not deleted) entries, optionally under a key prefix, in key order. */
  scan(prefix = ''): { key: string; value: unknown; version: KvVersion }[] {
    const out: { key: string; value: unknown; version: KvVersion }[] = [];
    for (const [key, e] of this.entries) if (!e.deleted && key.startsWith(prefix)) out.push({ key, value: e.value, version: e.version });
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Every entry of the given partitions (tombstones included), for a full refill. */
  entriesOf(partition: number): KvEntry[] {
    const out: KvEntry[] = [];
    for (const keys of this.index[partition].values()) {
      for (const key of keys) {
        const e = this.entries.get(key)!;
        out.push(e.deleted ? { key, version: e.version, deleted: true } : { key, value: e.value, version: e.version });
      }
    }
    return out;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private replay(file: string): void {
    mkdirSync(join(file, '..'), { recursive: true });
    if (existsSync(file)) {
      const text = readFileSync(file, 'utf8');
      for (const line of text.split('\n')) {
        if (!line) continue;
        try {
          this.apply(JSON.parse(line) as KvEntry);
          this.lines++;
        } catch {
          break; // a torn last line (crash mid-write): everything before it is intact
        }
      }
    }
    this.fd = openSync(file, 'a');
  }

  private log(e: KvEntry): void {
    writeSync(this.fd!, `${JSON.stringify(e)}\n`);
    if (this.fsync) fsyncSync(this.fd!);
    this.lines++;
    if (this.lines > 1000 && this.lines > 2 * this.entries.size) this.compact();
  }

  /** Rewrites the log with one line per key (atomically: a new file renamed over the old one). */
  private compact(): void {
    const tmp = `${this.file}.tmp`;
    const fd = openSync(tmp, 'w');
    for (const [key, e] of this.entries) {
      writeSync(fd, `${JSON.stringify(e.deleted ? { key, version: e.version, deleted: true } : { key, value: e.value, version: e.version })}\n`);
    }
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.file!);
    closeSync(this.fd!);
    this.fd = openSync(this.file!, 'a');
    this.lines = this.entries.size;
  }
}
