import { hash32 } from './hash';

/** A member that can hold replicas: `weight` is its share of the data; `domain` its failure domain (host, rack). */
export interface Member {
  id: string | number;
  weight: number;
  domain?: string;
}

export interface PlaceOptions {
  /** at most one replica per failure domain while enough domains exist (CRUSH's "chooseleaf" rule) */
  distinctDomains?: boolean;
}

/**
 * The straw of a member for a key (Ceph's straw2): ln(u) / weight with u uniform in (0, 1] from the
 * hash of (key, member). The longest straw wins. Each member's straw depends only on the key and on
 * that member, so adding or removing a member changes only the placements it enters or leaves — the
 * minimum movement — and a member wins with probability proportional to its weight.
 */
export function straw(key: string, member: Member): number {
  const u = (hash32(`${key}\u0000${member.id}`) + 1) / 4294967296; // (0, 1]
  return Math.log(u) / member.weight;
}

/**
 * CRUSH-style placement (Weil et al., "CRUSH: Controlled, Scalable, Decentralized Placement of
 * Replicated Data", SC'06; the straw2 bucket of Ceph): the n members with the longest straws, in
 * that order (the first is the key's primary). Deterministic, and independent of the order of
 * `members`. Members of weight 0 are never chosen.
 */
export function place<M extends Member>(key: string, members: readonly M[], n: number, opts: PlaceOptions = {}): M[] {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError('n must be a non-negative integer');
  const ranked = members
    .filter((m) => m.weight > 0)
    .map((m) => ({ m, s: straw(key, m) }))
    .sort((a, b) => b.s - a.s || String(a.m.id).localeCompare(String(b.m.id)));
  if (!opts.distinctDomains) return ranked.slice(0, n).map((r) => r.m);
  const chosen: M[] = [];
  const domains = new Set<string>();
  for (const r of ranked) {
    if (chosen.length === n) break;
    const d = r.m.domain ?? String(r.m.id);
    if (domains.has(d)) continue;
    domains.add(d);
    chosen.push(r.m);
  }
  // fewer domains than replicas: fill from the rest, still in straw order
  for (const r of ranked) {
    if (chosen.length === n) break;
    if (!chosen.includes(r.m)) chosen.push(r.m);
  }
  return chosen;
}

/**
 * How many replica assignments change between two memberships, against the minimum any placement
 * must move: a joining member must take its weight share of all assignments; a leaving member's
 * assignments must all move. `ratio` = moved / optimal (1 is optimal).
 */
export function movement(keys: readonly string[], before: readonly Member[], after: readonly Member[], n: number): { moved: number; optimal: number; ratio: number } {
  let moved = 0;
  for (const k of keys) {
    const was = new Set(place(k, before, n).map((m) => m.id));
    for (const m of place(k, after, n)) if (!was.has(m.id)) moved++;
  }
  const weight = (ms: readonly Member[]) => ms.reduce((s, m) => s + Math.max(0, m.weight), 0);
  const ids = (ms: readonly Member[]) => new Set(ms.map((m) => m.id));
  const joined = after.filter((m) => !ids(before).has(m.id));
  const left = before.filter((m) => !ids(after).has(m.id));
  const total = keys.length * n;
  const optimal = total * (weight(joined) / Math.max(weight(after), 1e-12)) + total * (weight(left) / Math.max(weight(before), 1e-12));
  return { moved, optimal, ratio: optimal > 0 ? moved / optimal : moved === 0 ? 1 : Infinity };
}
