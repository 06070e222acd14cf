import { counterAdd, increment, mergeCounterDocs, ZERO_COUNTER } from '@app/consistency';
import type { CartDoc, CounterState, VersionedDoc } from '@app/contracts';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The cart namespace of one kv-node: versioned documents of per-node counters, merged (never
 * overwritten) and kept in an append-only log on disk besides memory. No leader is involved: the
 * cart-gateways read and write each replica directly (leaderless, Dynamo-style).
 */
export class CartStore {
  private readonly docs = new Map<string, VersionedDoc>();
  private fd: number | null = null;

  constructor(private readonly nodeId: string, file: string) {
    mkdirSync(dirname(file), { recursive: true });
    if (existsSync(file)) {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (!line) continue;
        try {
          const { key, doc } = JSON.parse(line) as { key: string; doc: VersionedDoc };
          this.docs.set(key, doc); // each line is the whole merged document at that time
        } catch {
          break; // torn last line
        }
      }
    }
    this.fd = openSync(file, 'a');
  }

  get(key: string): VersionedDoc | null {
    return this.docs.get(key) ?? null;
  }

  /** Merges a document (from a peer, a hint or read repair) into this copy; returns the result. */
  merge(key: string, incoming: VersionedDoc): VersionedDoc {
    const cur = this.docs.get(key);
    const next = cur ? mergeDocs(cur, incoming) : incoming;
    this.store(key, next);
    return next;
  }

  /**
   * An add applied here to this node's own slot, atomically (JavaScript runs it to completion), with
   * this node's entry of the version vector incremented.
   */
  add(key: string, changes: Record<string, number>, opts: { create?: boolean; mustExist?: boolean }): VersionedDoc | null {
    const cur = this.docs.get(key);
    if (!cur && opts.mustExist) return null;
    const doc: CartDoc = cur ? { ...cur.value, fields: { ...cur.value.fields } } : { fields: {}, createdAt: new Date().toISOString() };
    for (const [field, delta] of Object.entries(changes)) {
      doc.fields[field] = counterAdd(doc.fields[field] ?? ZERO_COUNTER, this.nodeId, delta) as CounterState;
    }
    const next: VersionedDoc = { value: doc, version: increment(cur?.version ?? {}, this.nodeId) as Record<string, number> };
    this.store(key, next);
    return next;
  }

  keys(prefix: string): string[] {
    return [...this.docs.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private store(key: string, doc: VersionedDoc): void {
    this.docs.set(key, doc);
    if (this.fd !== null) writeSync(this.fd, `${JSON.stringify({ key, doc })}\n`);
  }
}

export function mergeDocs(a: VersionedDoc, b: VersionedDoc): VersionedDoc {
  return mergeCounterDocs(a, b) as VersionedDoc;
}
