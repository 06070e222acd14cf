import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { CONFIG, instancesOf, LOGGER, PeerPool, sleep, type Instance, type LoadedConfig } from '@app/cluster';
import {
  DomainError, ErrorCode, KV,
  type KvApplyRequest, type KvEntry, type KvFeedRequest, type KvNamespaceSpec, type KvOp, type KvOpReply, type KvOpRequest, type KvVersion,
} from '@app/contracts';
import { place } from '@app/hashing';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { KvEnv } from '../config/kv.config';
import { FeedService } from '../feed/feed.service';
import { MembershipService } from '../membership/membership.service';
import { KvNamespace, type StoredEntry } from '../store/kv-store';
import { compareVersions } from '../store/versions';

/** The namespaces every kv-node has. */
export const NAMESPACES: KvNamespaceSpec[] = [
  { name: 'default', durable: false, everywhere: false },
  { name: 'files', durable: false, everywhere: false },
  { name: 'customers', durable: true, everywhere: true },
  { name: 'tx', durable: true, everywhere: true },
  { name: 'meta', durable: true, everywhere: true },
];

const KEY_MAX = 1024;

/**
 * The key-value operations. Any node accepts one; a node that does not lead forwards it to the
 * partition leader over TCP. The leader orders the operations on each key (one at a time per key),
 * stamps each write with a version (term, leader, seq), writes it to the key's live replicas (placed
 * with libs/hashing over partitions) and answers when they all hold it. Reads: the leader answers from
 * its own copy when it holds the key's partition and has caught up since it took over; otherwise it
 * asks the live replicas and takes the newest version. `stale` reads are served by any replica.
 */
@Injectable()
export class KvService implements OnApplicationShutdown {
  readonly namespaces = new Map<string, KvNamespace>();
  private readonly nodes: Instance[];
  private readonly placements = new Map<string, number[]>();
  private readonly keyLocks = new Map<string, Promise<unknown>>();
  private readonly batches = new Map<string, { entries: KvEntry[]; done: Promise<void>; resolve: () => void; reject: (e: unknown) => void }>();
  private seq = 0;
  private caughtUpTerm = -1;
  /** fault injection for tests (FAULTS=kv.debug) */
  readonly debug: boolean;

  constructor(
    @Inject(CONFIG) private readonly config: LoadedConfig<KvEnv>,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly members: MembershipService,
    private readonly pool: PeerPool,
    private readonly feed: FeedService,
  ) {
    this.nodes = instancesOf(config.topology, 'kv-node');
    this.debug = config.faults.has('kv.debug');
    const dir = join(config.dataDir, `kv-node-${config.self.id}`);
    for (const spec of NAMESPACES) {
      this.namespaces.set(spec.name, new KvNamespace(spec, config.env.KV_PARTITIONS, spec.durable ? join(dir, `${spec.name}.log`) : null, config.env.KV_FSYNC));
    }
    seedCustomers(this.namespaces.get('customers')!);
    members.onLeaderChange((leader, term) => {
      if (leader === this.members.self.id) {
        this.seq = 0;
        this.caughtUpTerm = -1;
        this.logger.info({ term }, 'leading: reads go to the replicas until this node has caught up');
      }
    });
  }

  onApplicationShutdown(): void {
    for (const ns of this.namespaces.values()) ns.close();
  }

  /** How the partitioned namespaces are laid out (what the dashboard draws). */
  layout(): { partitions: number; replicationFactor: number } {
    return { partitions: this.config.env.KV_PARTITIONS, replicationFactor: this.config.env.KV_REPLICATION_FACTOR };
  }

  ns(name: string): KvNamespace {
    const ns = this.namespaces.get(name);
    if (!ns) throw new DomainError(ErrorCode.VALIDATION_FAILED, `unknown namespace ${JSON.stringify(name)}`);
    return ns;
  }

  /** Node ids holding a partition of a namespace (CRUSH-style, over every node of the topology). */
  replicasOf(ns: KvNamespace, partition: number): number[] {
    if (ns.spec.everywhere) return this.nodes.map((n) => n.id);
    const k = `${partition}`;
    let ids = this.placements.get(k);
    if (!ids) {
      ids = place(`partition:${partition}`, this.nodes.map((n) => ({ id: n.id, weight: 1 })), this.config.env.KV_REPLICATION_FACTOR).map((m) => m.id);
      this.placements.set(k, ids);
    }
    return ids;
  }

  holds(ns: KvNamespace, partition: number): boolean {
    return this.replicasOf(ns, partition).includes(this.members.self.id);
  }

  /**
   * Set by the two-phase-commit participant: waits (bounded) while the key is locked by a prepared
   * transaction, then throws UNAVAILABLE with Retry-After.
   */
  lockCheck: ((op: KvOp) => Promise<void>) | null = null;

  /** Called by anti-entropy once this leader has pulled what its partitions missed. */
  markCaughtUp(term: number): void {
    this.caughtUpTerm = term;
  }

  // ------------------------------------------------------------------ entry points

  /**
   * An operation arriving at this node from a client: run it here if leading, else forward it. While
   * the leader changes (a claim not yet heard everywhere, a leader just gone) an operation that
   * certainly did not run is tried again, at the leader as this node then knows it, for up to
   * 3 × KV_SUSPECT_AFTER_MS; then the client gets the 503.
   */
  async execute(op: KvOp, opts: { stale?: boolean; rid?: string } = {}): Promise<KvOpReply> {
    validate(op);
    if (opts.stale && op.op === 'get') return this.staleGet(op.ns, op.key, opts.rid);
    const until = Date.now() + this.config.env.KV_SUSPECT_AFTER_MS * 3;
    for (;;) {
      try {
        return await this.executeAtLeader(op, opts.rid);
      } catch (err) {
        if (!(err instanceof DomainError) || !err.details?.leaderChange || Date.now() >= until) throw err;
        await sleep(50);
      }
    }
  }

  private async executeAtLeader(op: KvOp, rid?: string): Promise<KvOpReply> {
    if (this.members.isLeader()) return this.lead(op, rid);
    const leader = this.members.currentLeader();
    if (leader === null) throw new DomainError(ErrorCode.UNAVAILABLE, 'no kv leader is known yet', { applied: false, leaderChange: true });
    try {
      return await this.pool.get(this.members.instance(leader)).send<KvOpReply, KvOpRequest>(KV.OP, { op, term: this.members.currentTerm() }, this.config.env.RPC_TIMEOUT_MS * 2, rid);
    } catch (err) {
      // a refused connection never reached the leader: certainly not applied (a timeout may have been)
      if (err instanceof DomainError && err.details?.transport === 'ECONNREFUSED') {
        throw new DomainError(ErrorCode.UNAVAILABLE, `the kv leader (node ${leader}) is unreachable`, { applied: false, leaderChange: true });
      }
      throw err;
    }
  }

  /** An operation forwarded to this node because it leads. */
  async lead(op: KvOp, rid?: string): Promise<KvOpReply> {
    validate(op);
    this.assertLeading();
    const ns = this.ns(op.ns);
    if (op.op === 'scan') return { entries: (await this.scan(ns, op.prefix ?? '', rid)).map(({ key, value }) => ({ key, value })) };
    // a write to a row a prepared transaction holds waits (bounded) before queueing on its key, so the
    // transaction's own commit is never stuck behind it
    if (this.lockCheck) await this.lockCheck(op);
    return this.withKeyLock(`${op.ns}/${op.key}`, async () => {
      // an operation queued behind this key while a newer leader took over must not run here
      this.assertLeading();
      if (op.op === 'get') {
        const e = await this.readLatest(ns, op.key, rid);
        return e && !e.deleted ? { found: true, value: e.value, version: e.version } : { found: false };
      }
      if (op.op === 'incr') {
        const cur = await this.readLatest(ns, op.key, rid);
        const value = (cur && !cur.deleted && typeof cur.value === 'number' ? cur.value : 0) + op.by;
        const version: KvVersion = [this.members.currentTerm(), this.members.self.id, ++this.seq];
        const entry: KvEntry = { key: op.key, value, version };
        await this.replicate(ns, entry, rid);
        return { ok: true, version, value };
      }
      const before = op.op === 'delete' ? await this.readLatest(ns, op.key, rid) : null;
      if (op.op === 'delete' && (!before || before.deleted)) return { ok: true, existed: false, version: before?.version ?? [0, 0, 0] };
      const version: KvVersion = [this.members.currentTerm(), this.members.self.id, ++this.seq];
      const entry: KvEntry = op.op === 'put' ? { key: op.key, value: op.value, version } : { key: op.key, version, deleted: true };
      await this.replicate(ns, entry, rid);
      this.publish(ns, entry);
      return { ok: true, existed: op.op === 'delete' ? true : undefined, version };
    });
  }

  private assertLeading(): void {
    if (!this.members.isLeader() || this.members.currentTerm() < this.members.maxSeenTerm()) {
      throw new DomainError(ErrorCode.NOT_LEADER, 'this kv-node does not lead', { leader: this.members.currentLeader(), applied: false, leaderChange: true });
    }
  }

  /** A write from the leader for a partition this node holds. */
  apply(req: KvApplyRequest): { applied: number } {
    // fencing: once this node has heard of a newer term (a claim, a heartbeat, a write), a deposed leader's writes are refused
    if (req.term < this.members.maxSeenTerm()) {
      throw new DomainError(ErrorCode.STALE_TERM, `kv term ${req.term} is older than ${this.members.maxSeenTerm()}`, { term: this.members.maxSeenTerm() });
    }
    this.members.observeTerm(req.term);
    const ns = this.ns(req.ns);
    let applied = 0;
    for (const e of req.entries) if (ns.apply(e)) applied++;
    return { applied };
  }

  /** This node's own copy of a key (for the leader's reads and stale reads). */
  readLocal(nsName: string, key: string): KvEntry | null {
    const e = this.ns(nsName).get(key);
    return e ? toEntry(key, e) : null;
  }

  // ------------------------------------------------------------------ leader internals

  private async replicate(ns: KvNamespace, entry: KvEntry, rid?: string): Promise<void> {
    const p = ns.partitionOf(entry.key);
    const targets = this.replicasOf(ns, p).filter((id) => this.members.isHealthy(id));
    if (!targets.length) throw new DomainError(ErrorCode.UNAVAILABLE, `no replica of partition ${p} is up`, { applied: false });
    const term = this.members.currentTerm();
    const results = await Promise.allSettled(targets.map(async (id) => {
      if (id === this.members.self.id) return void ns.apply(entry);
      await this.batched(id, ns.spec.name, term, entry, rid);
    }));
    const failed = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    const stale = failed.find((f) => f.reason instanceof DomainError && f.reason.code === ErrorCode.STALE_TERM);
    if (stale) throw new DomainError(ErrorCode.NOT_LEADER, 'a newer kv leader exists', { term: (stale.reason as DomainError).details?.term });
    if (failed.length === targets.length) throw new DomainError(ErrorCode.UNAVAILABLE, `no replica of partition ${p} took the write`, { applied: false });
    if (failed.length) this.logger.warn({ rid, key: entry.key, failed: failed.length }, 'a replica missed a write; anti-entropy will repair it');
  }

  /**
   * Writes that leave for the same replica in the same tick travel in one APPLY message (each write
   * still waits for the message that carries it): bulk loads and concurrent clients cost far fewer
   * messages than writes.
   */
  private batched(id: number, ns: string, term: number, entry: KvEntry, rid?: string): Promise<void> {
    const k = `${id}/${ns}/${term}`;
    let b = this.batches.get(k);
    if (!b) {
      let resolve!: () => void;
      let reject!: (e: unknown) => void;
      const done = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      b = { entries: [], done, resolve, reject };
      this.batches.set(k, b);
      setImmediate(() => {
        this.batches.delete(k);
        const req: KvApplyRequest = { term, leader: this.members.self.id, ns, entries: b!.entries };
        this.pool.get(this.members.instance(id)).send(KV.APPLY, req, this.config.env.RPC_TIMEOUT_MS, rid).then(() => b!.resolve(), b!.reject);
      });
    }
    b.entries.push(entry);
    return b.done;
  }

  /** The newest copy of a key among this node (when caught up) or the live replicas. */
  private async readLatest(ns: KvNamespace, key: string, rid?: string): Promise<KvEntry | null> {
    const p = ns.partitionOf(key);
    if (this.holds(ns, p) && this.caughtUpTerm === this.members.currentTerm()) return this.readLocal(ns.spec.name, key);
    const targets = this.replicasOf(ns, p).filter((id) => this.members.isHealthy(id));
    const copies = await Promise.allSettled(targets.map((id) => id === this.members.self.id
      ? Promise.resolve(this.readLocal(ns.spec.name, key))
      : this.pool.get(this.members.instance(id)).send<KvEntry | null>(KV.READ, { ns: ns.spec.name, key }, this.config.env.RPC_TIMEOUT_MS, rid)));
    const got = copies.filter((c) => c.status === 'fulfilled').map((c) => (c as PromiseFulfilledResult<KvEntry | null>).value);
    if (!got.length) throw new DomainError(ErrorCode.UNAVAILABLE, `no replica of partition ${p} answered`);
    return got.reduce<KvEntry | null>((best, c) => (c && (!best || compareVersions(c.version, best.version) > 0) ? c : best), null);
  }

  private async scan(ns: KvNamespace, prefix: string, rid?: string): Promise<{ key: string; value: unknown }[]> {
    const out = new Map<string, KvEntry>();
    const local = this.caughtUpTerm === this.members.currentTerm();
    for (let p = 0; p < ns.partitions; p++) {
      if (local && this.holds(ns, p)) continue;
      // a partition this leader does not hold (or not yet caught up): ask a live replica
      const replica = this.replicasOf(ns, p).find((id) => id !== this.members.self.id && this.members.isHealthy(id));
      if (replica === undefined) continue;
      const entries = await this.pool.get(this.members.instance(replica)).send<KvEntry[]>(KV.PARTITION, { ns: ns.spec.name, partition: p }, this.config.env.RPC_TIMEOUT_MS * 5, rid);
      for (const e of entries) {
        const cur = out.get(e.key);
        if (!cur || compareVersions(e.version, cur.version) > 0) out.set(e.key, e);
      }
    }
    for (const e of ns.scan(prefix)) {
      const cur = out.get(e.key);
      if (!cur || compareVersions(e.version, cur.version) > 0) out.set(e.key, e);
    }
    return [...out.values()].filter((e) => !e.deleted && e.key.startsWith(prefix)).sort((a, b) => (a.key < b.key ? -1 : 1)).map((e) => ({ key: e.key, value: e.value }));
  }

  /** Entries of one partition held here (a leader's scan of partitions it does not hold). */
  partitionEntries(nsName: string, partition: number): KvEntry[] {
    return this.ns(nsName).entriesOf(partition);
  }

  private async staleGet(nsName: string, key: string, rid?: string): Promise<KvOpReply> {
    const ns = this.ns(nsName);
    const p = ns.partitionOf(key);
    let e: KvEntry | null;
    if (this.holds(ns, p)) e = this.readLocal(nsName, key);
    else {
      const replica = this.replicasOf(ns, p).find((id) => this.members.isHealthy(id));
      if (replica === undefined) throw new DomainError(ErrorCode.UNAVAILABLE, `no replica of partition ${p} is up`);
      e = await this.pool.get(this.members.instance(replica)).send<KvEntry | null>(KV.READ, { ns: nsName, key }, this.config.env.RPC_TIMEOUT_MS, rid);
    }
    return e && !e.deleted ? { found: true, value: e.value, version: e.version } : { found: false };
  }

  /** The change goes to every node's live feed, in version order per key (nodes drop older ones). */
  private publish(ns: KvNamespace, e: KvEntry): void {
    if (ns.spec.name !== 'default' && ns.spec.name !== 'files') return;
    const key = ns.spec.name === 'files' ? `files/${e.key}` : e.key;
    const event = e.deleted ? { op: 'delete' as const, key } : { op: 'put' as const, key, value: ns.spec.name === 'files' ? fileMeta(e.value) : e.value };
    const req: KvFeedRequest = { ns: ns.spec.name, version: e.version, event };
    this.feed.deliver(req);
    for (const n of this.nodes) {
      if (n.id === this.members.self.id || !this.members.isHealthy(n.id)) continue;
      this.pool.get(n).send(KV.FEED, req, this.config.env.RPC_TIMEOUT_MS).catch(() => undefined);
    }
  }

  private withKeyLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.keyLocks.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.then(() => undefined, () => undefined);
    this.keyLocks.set(key, tail);
    void tail.then(() => {
      if (this.keyLocks.get(key) === tail) this.keyLocks.delete(key);
    });
    return run;
  }
}

function toEntry(key: string, e: StoredEntry): KvEntry {
  return e.deleted ? { key, version: e.version, deleted: true } : { key, value: e.value, version: e.version };
}

function fileMeta(v: unknown): unknown {
  const f = v as { size?: number; updatedAt?: string } | undefined;
  return { size: f?.size, updatedAt: f?.updatedAt };
}

function validate(op: KvOp): void {
  const bad = (m: string) => new DomainError(ErrorCode.VALIDATION_FAILED, m);
  if (!op || typeof op !== 'object' || typeof op.ns !== 'string') throw bad('an operation needs ns');
  if (op.op === 'scan') return;
  if (!['get', 'put', 'delete', 'incr'].includes(op.op)) throw bad(`unknown operation ${JSON.stringify((op as { op?: unknown }).op)}`);
  if (op.op === 'incr' && !Number.isSafeInteger(op.by)) throw bad('incr needs an integer by');
  if (typeof op.key !== 'string' || !op.key || op.key.length > KEY_MAX) throw bad(`a key is a string of 1 to ${KEY_MAX} characters`);
  if (op.op === 'put' && op.value === undefined) throw bad('a put needs a value');
}

/**
 * The Bookstore's customers of CONTRACTS.md, identical on every node that starts with an empty
 * customers namespace: the same entries at the lowest versions, so any later write wins over them.
 */
function seedCustomers(ns: KvNamespace): void {
  if (ns.size > 0) return;
  const seed = [
    { id: 1, name: 'John Doe', email: 'john@example.com', orders_count: 0 },
    { id: 2, name: 'Alice Smith', email: 'alice@example.com', orders_count: 0 },
  ];
  seed.forEach((c, i) => ns.apply({ key: `c:${c.id}`, value: c, version: [0, 0, i + 1] }));
  ns.apply({ key: 'seq', value: seed.length, version: [0, 0, seed.length + 1] });
}
