/**
 * A fencing term: (counter, electorId), compared lexicographically (libs/cluster `compareTerms`).
 * Two electors that elect at the same moment issue different terms, so replicas obey exactly one.
 */
export interface Term {
  counter: number;
  electorId: number;
}

export const ZERO_TERM: Term = Object.freeze({ counter: 0, electorId: 0 });
