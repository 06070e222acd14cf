/**
 * A quantity as a PN-counter with one slot per node (Shapiro et al., "Conflict-free Replicated Data
 * Types", 2011; Riak's counters): `p[node]` sums the increments and `n[node]` the decrements applied
 * through that node. An add is applied by ONE replica to ITS OWN slot (atomically there) and the new
 * state is written to the others; states merge slot by slot with max. So concurrent adds through
 * different nodes are never lost (they land in different slots), and a removal is a growing `n`
 * slot that no later merge can undo. This is where the cart seed's "max per cart item" rule is
 * correct: per slot, not per quantity.
 */
export interface Counter {
  readonly p: Readonly<Record<string, number>>;
  readonly n: Readonly<Record<string, number>>;
}

export const ZERO_COUNTER: Counter = Object.freeze({ p: Object.freeze({}), n: Object.freeze({}) });

export function counterValue(c: Counter): number {
  let v = 0;
  for (const x of Object.values(c.p)) v += x;
  for (const x of Object.values(c.n)) v -= x;
  return v;
}

/** Adds `delta` (negative to remove) through `node`'s own slot. */
export function counterAdd(c: Counter, node: string, delta: number): Counter {
  if (!Number.isSafeInteger(delta)) throw new RangeError('delta must be an integer');
  if (delta >= 0) return { p: { ...c.p, [node]: (c.p[node] ?? 0) + delta }, n: c.n };
  return { p: c.p, n: { ...c.n, [node]: (c.n[node] ?? 0) - delta } };
}

export function counterMerge(a: Counter, b: Counter): Counter {
  return { p: maxSlots(a.p, b.p), n: maxSlots(a.n, b.n) };
}

/** a has seen every add b has. */
export function counterDominates(a: Counter, b: Counter): boolean {
  return covers(a.p, b.p) && covers(a.n, b.n);
}

function maxSlots(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = { ...a };
  for (const [k, v] of Object.entries(b)) if (v > (out[k] ?? 0)) out[k] = v;
  return out;
}

function covers(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): boolean {
  return Object.entries(b).every(([k, v]) => (a[k] ?? 0) >= v);
}
