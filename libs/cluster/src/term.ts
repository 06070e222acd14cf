import type { Term } from '@app/contracts';
import { ZERO_TERM } from '@app/contracts';

/** Negative when a is older than b, 0 when equal, positive when newer (lexicographic). */
export function compareTerms(a: Term, b: Term): number {
  return a.counter !== b.counter ? a.counter - b.counter : a.electorId - b.electorId;
}

export function termEquals(a: Term, b: Term): boolean {
  return a.counter === b.counter && a.electorId === b.electorId;
}

export function maxTerm(...terms: Term[]): Term {
  return terms.reduce((m, t) => (compareTerms(t, m) > 0 ? t : m), ZERO_TERM);
}

/** The term an elector issues next: strictly above every term it has seen. */
export function nextTerm(seen: Term, electorId: number): Term {
  return { counter: seen.counter + 1, electorId };
}

export function formatTerm(t: Term): string {
  return `${t.counter}.${t.electorId}`;
}

export function isTerm(x: unknown): x is Term {
  const t = x as Term;
  return typeof t === 'object' && t !== null && Number.isSafeInteger(t.counter) && t.counter >= 0
    && Number.isSafeInteger(t.electorId) && t.electorId >= 0;
}
