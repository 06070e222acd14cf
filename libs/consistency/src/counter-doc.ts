import { counterMerge, counterValue, type Counter } from './counter';
import { compare, merge as mergeVectors, type VersionVector } from './version-vector';

/**
 * A document of named counters (a cart: product → quantity; a product: `stock`), each with one slot
 * per node, and the version vector of the writes it has seen. Merging two copies takes, slot by slot,
 * the maximum (libs/consistency counters), so copies written through different nodes merge without
 * losing an add, in any order.
 */
export interface CounterDoc {
  fields: Readonly<Record<string, Counter>>;
  createdAt: string;
}

export interface VersionedCounterDoc {
  value: CounterDoc;
  version: VersionVector;
}

export function mergeCounterDocs(a: VersionedCounterDoc, b: VersionedCounterDoc): VersionedCounterDoc {
  const fields: Record<string, Counter> = { ...a.value.fields };
  for (const [f, c] of Object.entries(b.value.fields)) fields[f] = fields[f] ? counterMerge(fields[f], c) : c;
  const createdAt = a.value.createdAt < b.value.createdAt ? a.value.createdAt : b.value.createdAt;
  return { value: { fields, createdAt }, version: mergeVectors(a.version, b.version) };
}

/** What a client sees: field → value, never below 0, fields at 0 left out (see cartValue). */
export function docValues(doc: CounterDoc): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [f, c] of Object.entries(doc.fields)) {
    const v = counterValue(c);
    if (v > 0) out[f] = v;
  }
  return out;
}

/** True when `copy` lacks something `merged` has (so read repair must write it). */
export function isStale(copy: VersionedCounterDoc | null, merged: VersionedCounterDoc): boolean {
  if (!copy) return true;
  const o = compare(copy.version, merged.version);
  return o === 'before' || o === 'concurrent';
}
