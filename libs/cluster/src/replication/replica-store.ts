import type { LogEntry, LogPosition, Term } from '@app/contracts';

/** Durable state of one replica: its term, the leader it follows, and its log with applied state. */
export interface ReplicaStore<B, S> {
  load(): Promise<{ term: Term; leaderId: number | null; last: LogPosition }>;
  saveTerm(term: Term, leaderId: number | null): Promise<void>;
  /** Applies the entries' bodies to the state and appends them to the log, in one transaction. */
  append(entries: LogEntry<B>[]): Promise<void>;
  /** Entries with seq > after, in order, at most `limit`. */
  entriesAfter(after: number, limit: number): Promise<LogEntry<B>[]>;
  /** Term of the entry at seq, or null when this log does not hold it (beyond its end, or compacted). */
  termAt(seq: number): Promise<Term | null>;
  /** The whole state and the log position it reflects. */
  snapshot(): Promise<{ snapshot: S; last: LogPosition }>;
  /** Replaces state and log with a snapshot (a follower whose log diverged from the leader's). */
  install(snapshot: S, last: LogPosition): Promise<void>;
}
