/**
 * Version vectors (Dynamo §4.4; Parker et al. 1983): one counter per node that coordinated a write.
 * A version happened before another when every counter is ≤ and one is <; otherwise they are equal or
 * concurrent (siblings, to be merged).
 */
export type VersionVector = Readonly<Record<string, number>>;

export type Order = 'before' | 'after' | 'equal' | 'concurrent';

export function compare(a: VersionVector, b: VersionVector): Order {
  let less = false;
  let more = false;
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[k] ?? 0;
    const y = b[k] ?? 0;
    if (x < y) less = true;
    else if (x > y) more = true;
    if (less && more) return 'concurrent';
  }
  return less ? 'before' : more ? 'after' : 'equal';
}

/** The least vector that dominates both: pointwise max. */
export function merge(a: VersionVector, b: VersionVector): VersionVector {
  const out: Record<string, number> = { ...a };
  for (const [k, v] of Object.entries(b)) if (v > (out[k] ?? 0)) out[k] = v;
  return out;
}

export function increment(v: VersionVector, node: string): VersionVector {
  return { ...v, [node]: (v[node] ?? 0) + 1 };
}

/** a ≥ b: a has seen everything b has. */
export function dominates(a: VersionVector, b: VersionVector): boolean {
  const o = compare(a, b);
  return o === 'after' || o === 'equal';
}
