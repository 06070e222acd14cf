import { compare, merge as mergeVectors, type VersionVector } from './version-vector';

/** A value as a replica holds it, with its version vector. */
export interface Versioned<T> {
  value: T;
  version: VersionVector;
}

/** A replica's answer to a quorum read: its copy, or `null` when it has none. */
export interface ReplicaReply<T> {
  node: string;
  copy: Versioned<T> | null;
}

/**
 * Merges the copies a quorum read returned (Dynamo §4.4: siblings are reconciled on read). `mergeValue`
 * must be commutative, associative and idempotent (the counters and carts of this library are), so
 * the result does not depend on the order replies arrived in.
 */
export function reconcile<T>(copies: readonly Versioned<T>[], mergeValue: (a: T, b: T) => T): Versioned<T> | null {
  if (!copies.length) return null;
  return copies.slice(1).reduce((acc, c) => {
    const o = compare(acc.version, c.version);
    if (o === 'after' || o === 'equal') return acc;
    if (o === 'before') return c;
    return { value: mergeValue(acc.value, c.value), version: mergeVectors(acc.version, c.version) };
  }, copies[0]);
}

/**
 * Read repair (Dynamo §5): the replicas whose copy is missing or older than the reconciled one, and
 * must be written the merged value. A concurrent copy is older than the merge of it and the others.
 */
export function readRepairTargets<T>(replies: readonly ReplicaReply<T>[], merged: Versioned<T>): string[] {
  return replies.filter((r) => !r.copy || compare(r.copy.version, merged.version) === 'before' || compare(r.copy.version, merged.version) === 'concurrent')
    .map((r) => r.node);
}
