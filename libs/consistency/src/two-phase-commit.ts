/**
 * The decision of a two-phase commit coordinator (Gray, "Notes on Data Base Operating Systems", 1978;
 * Bernstein et al. ch. 7): commit only if every expected participant voted yes; abort as soon as one
 * votes no, or when the votes are not all in by the deadline; otherwise wait.
 */
export type Vote = 'yes' | 'no' | 'unknown';
export type Decision = 'commit' | 'abort' | 'wait';

export function decide(votes: Readonly<Record<string, Vote>>, expected: readonly string[], timedOut: boolean): Decision {
  if (!expected.length) return 'abort';
  if (expected.some((p) => votes[p] === 'no')) return 'abort';
  if (expected.every((p) => votes[p] === 'yes')) return 'commit';
  return timedOut ? 'abort' : 'wait';
}

export type TxState = 'preparing' | 'committed' | 'aborted';

/** The coordinator's state after a decision; a decided transaction never changes its mind. */
export function transition(state: TxState, decision: Decision): TxState {
  if (state !== 'preparing' || decision === 'wait') return state;
  return decision === 'commit' ? 'committed' : 'aborted';
}
