import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CONFIG, EventLog, LOGGER, MetricsService, PeerPool, sleep, type Instance, type LoadedConfig } from '@app/cluster';
import {
  KV,
  type AeCompareReply, type AeCompareRequest, type AeDigestRequest, type AeKeysReply, type AeKeysRequest, type AeNode, type AePushRequest, type KvEntry,
} from '@app/contracts';
import type { Logger } from 'pino';
import { Gauge } from 'prom-client';
import { hash32 } from '@app/hashing';
import type { KvEnv } from '../config/kv.config';
import { KvService } from '../kv/kv.service';
import { MembershipService } from '../membership/membership.service';
import type { KvNamespace } from '../store/kv-store';
import { PartitionTree } from '../store/merkle';
import { compareVersions } from '../store/versions';

/**
 * Anti-entropy (Dynamo §4.7): each node periodically compares, with every live peer, the Merkle trees
 * of the partitions both hold — roots first, then only the children of nodes that differ, down to the
 * keys of differing leaves — and the two exchange only the entries where one is newer. Tombstones
 * travel like values, so a deleted key does not come back. The same exchange refills a node that
 * restarted empty before it reports ready, and brings a new leader up to date before it serves reads
 * from its own copy. Its own TCP connections (a separate pool) make its traffic measurable on the
 * sockets (kv_anti_entropy_socket_bytes_total).
 */
@Injectable()
export class AntiEntropyService implements OnApplicationBootstrap, OnApplicationShutdown {
  /** anti-entropy traffic has its own connections, so the socket byte counts are its own */
  private readonly aePool: PeerPool;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  readonly stats = { rounds: 0, entriesPulled: 0, entriesPushed: 0, lastRefillMs: 0 };

  constructor(
    @Inject(CONFIG) private readonly config: LoadedConfig<KvEnv>,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly kv: KvService,
    private readonly members: MembershipService,
    metrics: MetricsService,
    private readonly events: EventLog,
  ) {
    this.aePool = new PeerPool(Math.max(config.env.RPC_TIMEOUT_MS, 5000));
    const self = this;
    new Gauge({
      name: 'kv_anti_entropy_socket_bytes',
      help: 'Bytes this node sent (written) and received (read) on its anti-entropy connections, as counted by the sockets',
      labelNames: ['direction'] as const,
      registers: [metrics.registry],
      collect() {
        const b = self.socketBytes();
        this.set({ direction: 'read' }, b.read);
        this.set({ direction: 'written' }, b.written);
      },
    });
  }

  /** Bytes on this node's anti-entropy sockets so far. */
  socketBytes(): { read: number; written: number } {
    let read = 0;
    let written = 0;
    for (const i of this.config.topology.instances) {
      if (i.app !== 'kv-node' || i.id === this.config.self.id) continue;
      const b = this.aePool.get(i).socketBytes();
      read += b.read;
      written += b.written;
    }
    return { read, written };
  }

  onApplicationBootstrap(): void {
    this.members.onLeaderChange((leader, term) => {
      if (leader === this.config.self.id) void this.catchUpAsLeader(term);
    });
    void this.refill();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.aePool.closeAll();
  }

  /** Restarted (in-memory data gone, durable logs replayed): pull from the live peers, then become ready. */
  private async refill(): Promise<void> {
    const started = Date.now();
    // wait until the heartbeats have told who is up
    await sleep(this.config.env.KV_SUSPECT_AFTER_MS + this.config.env.KV_HEARTBEAT_MS);
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        const pulled = await this.roundWith(this.members.livePeers());
        this.stats.lastRefillMs = Date.now() - started;
        this.events.record('refill', `kv-node#${this.config.self.id} refilled from ${this.members.livePeers().length} peers (${pulled} entries, ${this.stats.lastRefillMs} ms)`, { ms: this.stats.lastRefillMs, pulled });
        break;
      } catch (err) {
        this.logger.warn({ err: (err as Error).message, attempt }, 'refill failed; retrying');
        await sleep(200);
      }
    }
    this.members.markReady();
    this.timer = setInterval(() => void this.round(), this.config.env.KV_ANTI_ENTROPY_MS);
    this.timer.unref();
  }

  private async catchUpAsLeader(term: number): Promise<void> {
    try {
      await this.roundWith(this.members.livePeers());
      if (this.members.currentTerm() === term && this.members.isLeader()) {
        this.kv.markCaughtUp(term);
        this.logger.info({ term }, 'leader caught up: serving reads from its own copy');
      }
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'leader catch-up failed; reads keep going to the replicas');
      setTimeout(() => void this.catchUpAsLeader(term), 500).unref();
    }
  }

  /** One periodic round with every live peer. */
  round(): Promise<void> {
    if (this.running) return this.running;
    this.running = this.roundWith(this.members.livePeers())
      .then(() => undefined)
      .catch((err) => this.logger.warn({ err: (err as Error).message }, 'anti-entropy round failed'))
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  /** One round with every live peer, now, waiting for any round in progress first (tests, bench). */
  async roundNow(): Promise<number> {
    await this.running;
    return this.roundWith(this.members.livePeers());
  }

  private async roundWith(peers: Instance[]): Promise<number> {
    let pulled = 0;
    for (const peer of peers) {
      for (const ns of this.kv.namespaces.values()) pulled += await this.syncWith(peer, ns);
    }
    this.stats.rounds++;
    return pulled;
  }

  /** Compares the trees of the partitions both nodes hold and exchanges the newer entries both ways. */
  async syncWith(peer: Instance, ns: KvNamespace): Promise<number> {
    const shared = this.sharedWith(ns, peer.id);
    if (!shared.length) return 0;
    const client = this.aePool.get(peer);
    // one message settles a namespace in which nothing differs (most rounds, most namespaces)
    const { equal } = await client.send<{ equal: boolean }, AeDigestRequest>(KV.AE_DIGEST, { ns: ns.spec.name, from: this.config.self.id, digest: this.digest(ns, shared) });
    if (equal) return 0;
    let nodes: AeNode[] = shared.map((p) => ({ p, level: 0, index: 0, hash: ns.trees[p].hash(0, 0) }));
    for (let level = 0; level < 2 && nodes.length; level++) {
      const { differ } = await client.send<AeCompareReply, AeCompareRequest>(KV.AE_COMPARE, { ns: ns.spec.name, nodes });
      nodes = differ.flatMap((d) => PartitionTree.children(d.level, d.index).map((index) => ({ p: d.p, level: d.level + 1, index, hash: ns.trees[d.p].hash(d.level + 1, index) })));
    }
    if (!nodes.length) return 0;
    const { differ: leaves } = await client.send<AeCompareReply, AeCompareRequest>(KV.AE_COMPARE, { ns: ns.spec.name, nodes });
    if (!leaves.length) return 0;
    // per partition: the keys of the differing leaves, with the versions held here
    let pulled = 0;
    const byPartition = new Map<number, number[]>();
    for (const l of leaves) byPartition.set(l.p, [...(byPartition.get(l.p) ?? []), l.index]);
    for (const [p, idx] of byPartition) {
      const have = ns.keysIn(p, idx).map((key) => {
        const e = ns.get(key)!;
        return { key, version: e.version, ...(e.deleted ? { deleted: true } : {}) };
      });
      const reply = await client.send<AeKeysReply, AeKeysRequest>(KV.AE_KEYS, { ns: ns.spec.name, leaves: idx.map((index) => ({ p, index })), have });
      for (const e of reply.newer) if (ns.apply(e)) pulled++;
      if (reply.want.length) {
        const entries = reply.want.map((key) => this.kv.readLocal(ns.spec.name, key)).filter((e): e is KvEntry => !!e);
        await client.send(KV.AE_PUSH, { ns: ns.spec.name, entries } satisfies AePushRequest);
        this.stats.entriesPushed += entries.length;
      }
    }
    this.stats.entriesPulled += pulled;
    if (pulled) this.events.record('anti-entropy', `anti-entropy repaired entries: ${pulled} from kv-node#${peer.id} (${ns.spec.name})`, { peer: peer.id, ns: ns.spec.name, pulled });
    return pulled;
  }

  private sharedWith(ns: KvNamespace, peer: number): number[] {
    const shared: number[] = [];
    for (let p = 0; p < ns.partitions; p++) {
      const r = this.kv.replicasOf(ns, p);
      if (r.includes(this.config.self.id) && r.includes(peer)) shared.push(p);
    }
    return shared;
  }

  /** A hash of the roots of the given partitions, in order. */
  private digest(ns: KvNamespace, partitions: number[]): string {
    const roots = partitions.map((p) => ns.trees[p].hash(0, 0)).join('');
    return `${hash32(roots, 3).toString(16)}${hash32(roots, 4).toString(16)}`;
  }

  // ------------------------------------------------------------------ responder side

  digestEquals(req: AeDigestRequest): { equal: boolean } {
    const ns = this.kv.ns(req.ns);
    return { equal: this.digest(ns, this.sharedWith(ns, req.from)) === req.digest };
  }

  compare(req: AeCompareRequest): AeCompareReply {
    const ns = this.kv.ns(req.ns);
    return { differ: req.nodes.filter((n) => n.p >= 0 && n.p < ns.partitions && ns.trees[n.p].hash(n.level, n.index) !== n.hash) };
  }

  keys(req: AeKeysRequest): AeKeysReply {
    const ns = this.kv.ns(req.ns);
    const theirs = new Map(req.have.map((h) => [h.key, h]));
    const newer: KvEntry[] = [];
    const want: string[] = [];
    const byPartition = new Map<number, number[]>();
    for (const l of req.leaves) byPartition.set(l.p, [...(byPartition.get(l.p) ?? []), l.index]);
    const mine = new Set<string>();
    for (const [p, idx] of byPartition) {
      for (const key of ns.keysIn(p, idx)) {
        mine.add(key);
        const e = ns.get(key)!;
        const t = theirs.get(key);
        const c = t ? compareVersions(e.version, t.version) : 1;
        if (c > 0) newer.push(e.deleted ? { key, version: e.version, deleted: true } : { key, value: e.value, version: e.version });
        else if (c < 0) want.push(key);
      }
    }
    for (const key of theirs.keys()) if (!mine.has(key)) want.push(key);
    return { newer, want };
  }

  push(req: AePushRequest): { applied: number } {
    const ns = this.kv.ns(req.ns);
    let applied = 0;
    for (const e of req.entries) if (ns.apply(e)) applied++;
    if (applied) this.events.record('anti-entropy', `anti-entropy repaired entries (pushed by a peer): ${applied} (${req.ns})`, { ns: req.ns, applied });
    return { applied };
  }
}
