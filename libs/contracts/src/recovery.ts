import type { LogEntry } from './replication';
import type { Term } from './term';

export const RECOVERY = {
  PUT_HINTS: 'recovery.put-hints',
  GET_HINTS: 'recovery.get-hints',
  ACK_HINTS: 'recovery.ack-hints',
  FENCE: 'recovery.fence',
  STATS: 'recovery.stats',
} as const;

/** Updates meant for `target` of `service` that could not be delivered (Dynamo §4.6, hinted handoff). */
export interface PutHintsRequest {
  service: string;
  target: number;
  /** the term of the primary that writes them; refused when older than the service's fence */
  term: Term;
  entries: LogEntry[];
  rid?: string;
}

export interface GetHintsRequest {
  service: string;
  target: number;
  afterSeq: number;
  limit: number;
  rid?: string;
}

export interface GetHintsReply {
  entries: LogEntry[];
}

export interface AckHintsRequest {
  service: string;
  target: number;
  uptoSeq: number;
  rid?: string;
}

/** A newly promoted primary raises the fence so that hints from deposed primaries are refused. */
export interface FenceRequest {
  service: string;
  term: Term;
  rid?: string;
}

export interface RecoveryStats {
  pending: { service: string; target: number; count: number }[];
}
