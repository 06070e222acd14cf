import type { Term } from './term';

/** Position of a log entry: the term of the primary that created it and its sequence number. */
export interface LogPosition {
  term: Term;
  seq: number;
}

/** One replicated change. `prev` is the term of entry seq-1 on the log that created it (Raft §5.3). */
export interface LogEntry<B = unknown> {
  seq: number;
  term: Term;
  prev: Term;
  body: B;
}

export type ReplicaRole = 'primary' | 'backup' | 'leader' | 'follower' | 'starting';

export interface ReplicaStatus {
  app: string;
  id: number;
  role: ReplicaRole;
  term: Term;
  leaderId: number | null;
  last: LogPosition;
  /** the database is open and the replica has caught up (drained its hints, pulled from the primary) */
  ready: boolean;
  /** why it is not ready, when it is not */
  reason?: string;
  /** entries the primary has that this follower has not acknowledged, per follower id (primary only) */
  lag?: Record<string, number>;
}

export interface LeaderAnnouncement {
  term: Term;
  leaderId: number;
  electorId: number;
}

export interface ReplicateRequest<B = unknown> {
  term: Term;
  leaderId: number;
  entries: LogEntry<B>[];
}

export interface ReplicateReply {
  ok: boolean;
  last: LogPosition;
  term: Term;
}

export interface EntriesAfterRequest {
  after: LogPosition;
  limit: number;
}

export type EntriesAfterReply<B = unknown, S = unknown> =
  | { kind: 'entries'; entries: LogEntry<B>[]; last: LogPosition; term: Term }
  | { kind: 'snapshot'; snapshot: S; last: LogPosition; term: Term };

/** Write stamp: the term the caller believes current. A replica refuses a stamp older than its own. */
export interface Stamped {
  term?: Term;
  rid?: string;
}

/** The message patterns every replicated service answers, under its own prefix. */
export function replicaPatterns(service: string) {
  return {
    STATUS: `${service}.status`,
    LEADER: `${service}.leader`,
    REPLICATE: `${service}.replicate`,
    ENTRIES_AFTER: `${service}.entries-after`,
  } as const;
}
