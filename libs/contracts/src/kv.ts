/** A write's place in the order the partition leader gives: (term, leader id, seq), compared in that order. */
export type KvVersion = [term: number, leader: number, seq: number];

export interface KvEntry {
  key: string;
  /** the JSON value; absent for a tombstone */
  value?: unknown;
  version: KvVersion;
  /** a delete, kept so that the key does not come back from a replica that missed it */
  deleted?: boolean;
}

export interface KvNamespaceSpec {
  name: string;
  /** kept in an append-only log on disk as well as in memory */
  durable: boolean;
  /** replicated to every node instead of `replicationFactor` of them */
  everywhere: boolean;
}

export type KvOp =
  | { op: 'get'; ns: string; key: string }
  /** `tx`: the put is part of committing that two-phase transaction (it may write what it locked) */
  | { op: 'put'; ns: string; key: string; value: unknown; tx?: string }
  | { op: 'delete'; ns: string; key: string }
  /** adds `by` to a number (absent counts as 0), atomically at the leader: id sequences */
  | { op: 'incr'; ns: string; key: string; by: number }
  | { op: 'scan'; ns: string; prefix?: string };

export interface KvOpRequest {
  op: KvOp;
  /** the leader term the sender knows (a forwarding node) */
  term?: number;
  rid?: string;
}

export type KvOpReply =
  | { found: true; value: unknown; version: KvVersion }
  | { found: false }
  | { ok: true; existed?: boolean; version: KvVersion; value?: unknown }
  | { entries: { key: string; value: unknown }[] };

export interface KvApplyRequest {
  term: number;
  leader: number;
  ns: string;
  entries: KvEntry[];
  rid?: string;
}

export interface KvReadRequest {
  ns: string;
  key: string;
}

export interface KvPartitionRequest {
  ns: string;
  partition: number;
}

/** Entries an anti-entropy round found newer at the sender (merged by version, no leader involved). */
export interface AePushRequest {
  ns: string;
  entries: KvEntry[];
}

export interface KvFeedEvent {
  op: 'put' | 'delete';
  key: string;
  value?: unknown;
}

export interface KvFeedRequest {
  ns: string;
  version: KvVersion;
  event: KvFeedEvent;
}

/** Anti-entropy, first step: one hash over the roots of every partition the two nodes share. */
export interface AeDigestRequest {
  ns: string;
  /** the asking node: the responder computes the digest over the partitions it shares with it */
  from: number;
  digest: string;
}

/** Anti-entropy: Merkle tree nodes of a partition, addressed by (partition, level, index). */
export interface AeNode {
  p: number;
  level: number;
  index: number;
  hash: string;
}

export interface AeCompareRequest {
  ns: string;
  nodes: AeNode[];
}

export interface AeCompareReply {
  /** the nodes whose hash differs here */
  differ: AeNode[];
}

export interface AeKeysRequest {
  ns: string;
  leaves: { p: number; index: number }[];
  /** what the asker holds in those leaves: key → version (and deleted flag) */
  have: { key: string; version: KvVersion; deleted?: boolean }[];
}

export interface AeKeysReply {
  /** entries newer here than at the asker (or missing there) */
  newer: KvEntry[];
  /** keys the asker holds newer (or that are missing here): it should push them */
  want: string[];
}

export const KV = {
  OP: 'kv.op',
  /** an operation sent to any node, which forwards it to the leader like an HTTP request */
  OP_ANY: 'kv.op-any',
  APPLY: 'kv.apply',
  READ: 'kv.read',
  PARTITION: 'kv.partition',
  AE_PUSH: 'kv.ae.push',
  FEED: 'kv.feed',
  AE_DIGEST: 'kv.ae.digest',
  AE_COMPARE: 'kv.ae.compare',
  AE_KEYS: 'kv.ae.keys',
  STATUS: 'kv.status',
  /** a node about to lead tells every live peer first: the old leader steps down, replicas fence older terms */
  CLAIM: 'kv.claim',
  /** tests only (FAULTS=kv.debug): make this node's copy of a key diverge */
  DEBUG_FORGET: 'kv.debug.forget',
  /** tests and bench only (FAULTS=kv.debug): run one anti-entropy round now and report its socket bytes */
  DEBUG_AE_ROUND: 'kv.debug.ae-round',
} as const;

export interface KvClaimRequest {
  term: number;
  leader: number;
}

/**
 * The cart store's storage on the kv-nodes (leaderless: the cart-gateways talk to each node directly).
 * A document is a map of counters with one slot per kv-node (libs/consistency), with its version vector.
 */
export const CART_STORE = {
  GET: 'cart.get',
  MERGE: 'cart.merge',
  ADD: 'cart.add',
  KEYS: 'cart.keys',
} as const;

export interface CounterState {
  p: Record<string, number>;
  n: Record<string, number>;
}

export interface CartDoc {
  /** counters by field: products of a cart, or `stock` of a product */
  fields: Record<string, CounterState>;
  /** when the document was created (users exist once created, even with an empty cart) */
  createdAt: string;
}

export interface VersionedDoc {
  value: CartDoc;
  version: Record<string, number>;
}

export interface CartGetRequest {
  key: string;
}

export interface CartMergeRequest {
  key: string;
  doc: VersionedDoc;
}

export interface CartAddRequest {
  key: string;
  /** field → delta, applied by this node to its own slot */
  changes: Record<string, number>;
  /** create the document if missing (createuser) */
  create?: boolean;
  /** only apply if the document exists (addtocart on an unknown user) */
  mustExist?: boolean;
}

export interface CartKeysRequest {
  prefix: string;
}
