/** Operations: every app keeps its recent cluster events (elections, catch-ups, hints, repairs, 2PC decisions). */
export const OPS = {
  EVENTS: 'ops.events',
} as const;

export interface ClusterEvent {
  /** increasing per source */
  seq: number;
  at: string;
  /** app#id of the instance that saw it */
  source: string;
  kind: string;
  message: string;
  details?: Record<string, unknown>;
}

export interface EventsRequest {
  after: number;
}

export interface EventsReply {
  events: ClusterEvent[];
  last: number;
}
