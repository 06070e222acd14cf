import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { CONFIG, EventLog, httpUrl, instancesOf, MetricsService, PeerPool, type Instance, type LoadedConfig } from '@app/cluster';
import { OPS, RECOVERY, type ClusterEvent, type EventsReply, type RecoveryStats } from '@app/contracts';
import { place } from '@app/hashing';
import type { GatewayEnv } from '../config/gateway.config';
import { ClusterViewService, type ServiceView } from '../cluster/cluster-view.service';
import { ElectionService } from '../cluster/election.service';

export interface Figures {
  at: string;
  requestsPerSecond: number;
  p99Ms: number | null;
  cacheHitRatio: number | null;
  replicationLag: number;
  hintsPending: number | null;
}

export interface DashboardUpdate {
  events: ClusterEvent[];
  figures: Figures;
  services: Record<string, ServiceView[]>;
}

export interface DashboardState {
  services: Record<string, ServiceView[]>;
  events: ClusterEvent[];
  figures: Figures[];
}

/** Replicas of a cart until a cart-gateway says (its CART_N) */
const CART_N = 3;

/**
 * What the dashboard shows, gathered every second: every instance (from this gateway's electors and
 * probes), the recent cluster events of every instance (each keeps its own, OPS.EVENTS), and live
 * figures — requests per second and p99 from this gateway's metrics, the cache hit ratio, the largest
 * replication lag its electors see, and the hints waiting in the recovery service.
 */
@Injectable()
export class DashboardService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly seen = new Map<string, number>();
  private events: ClusterEvent[] = [];
  private readonly figures: Figures[] = [];
  private timer: NodeJS.Timeout | null = null;
  private last: { count: number; buckets: Map<number, number>; hits: number; misses: number } | null = null;
  private readonly listeners = new Set<{ next: (u: DashboardUpdate) => void; end: () => void }>();

  constructor(
    @Inject(CONFIG) private readonly config: LoadedConfig<GatewayEnv>,
    private readonly view: ClusterViewService,
    private readonly election: ElectionService,
    private readonly pool: PeerPool,
    private readonly metrics: MetricsService,
    private readonly local: EventLog,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), 1000);
    this.timer.unref();
  }

  /** Ends every open stream first: an open server-sent events response would hold the shutdown. */
  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    for (const l of [...this.listeners]) l.end();
    this.listeners.clear();
  }

  state(): DashboardState {
    return { services: this.grouped(), events: this.events.slice(-200), figures: this.figures.slice(-120) };
  }

  /** Every second's update until unsubscribed (the returned function) or the gateway stops (end). */
  subscribe(next: (u: DashboardUpdate) => void, end: () => void): () => void {
    const l = { next, end };
    this.listeners.add(l);
    return () => void this.listeners.delete(l);
  }

  kvPlacement(): { partitions: number; replicationFactor: number; nodes: number[]; placement: number[][] } {
    const nodes = instancesOf(this.config.topology, 'kv-node').map((i) => ({ id: i.id, weight: 1 }));
    const { partitions, replicationFactor } = this.view.kvLayout();
    const placement = Array.from({ length: partitions }, (_, p) => place(`partition:${p}`, nodes, replicationFactor).map((m) => m.id as number));
    return { partitions, replicationFactor, nodes: nodes.map((n) => n.id), placement };
  }

  /**
   * The kv-nodes that hold a cart key: the cart-gateways' CRUSH placement (N = 3) over the cart store's
   * current members, as a cart-gateway reports them (GET /members: who left, who is down). The key is
   * an email (user:<email>), a product name (product:<name>) or a full key.
   */
  async cartPlacement(raw: string): Promise<{ key: string; nodes: number[]; down: number[]; members: number[] }> {
    const key = /^(user|product):/.test(raw) ? raw : raw.includes('@') ? `user:${raw.toLowerCase()}` : `product:${raw}`;
    let members = instancesOf(this.config.topology, 'kv-node').map((i) => i.id);
    let down: number[] = [];
    let n = CART_N;
    for (const cg of instancesOf(this.config.topology, 'cart-gateway').filter((i) => i.http)) {
      try {
        const res = await fetch(`${httpUrl(cg)}/members`, { signal: AbortSignal.timeout(1000) });
        if (!res.ok) continue;
        const view = (await res.json()) as { members: { id: number; member: boolean; healthy: boolean }[]; replicas?: number };
        n = view.replicas ?? CART_N;
        members = view.members.filter((m) => m.member).map((m) => m.id);
        down = view.members.filter((m) => !m.healthy).map((m) => m.id);
        break;
      } catch {
        /* try the next cart-gateway; without any, every kv-node counts as a member */
      }
    }
    const nodes = place(key, members.map((id) => ({ id, weight: 1 })), n).map((m) => m.id as number);
    return { key, nodes, down: nodes.filter((n) => down.includes(n)), members };
  }

  private grouped(): Record<string, ServiceView[]> {
    const out: Record<string, ServiceView[]> = {};
    for (const s of this.view.services()) (out[s.app] ??= []).push(s);
    return out;
  }

  private async tick(): Promise<void> {
    const fresh: ClusterEvent[] = [];
    await Promise.all(this.config.topology.instances.filter((i) => i.tcp).map(async (i) => {
      const k = `${i.app}#${i.id}`;
      try {
        const isSelf = i.app === this.config.self.app && i.id === this.config.self.id;
        const r: EventsReply = isSelf ? this.local.since(this.seen.get(k) ?? 0) : await this.pool.get(i).send<EventsReply>(OPS.EVENTS, { after: this.seen.get(k) ?? 0 }, 500);
        if (r.last < (this.seen.get(k) ?? 0)) {
          // the instance restarted: its numbering began again
          this.seen.set(k, 0);
          return;
        }
        fresh.push(...r.events);
        this.seen.set(k, r.last);
      } catch {
        /* down: its events come when it is back */
      }
    }));
    fresh.sort((a, b) => (a.at < b.at ? -1 : 1));
    this.events = [...this.events, ...fresh].slice(-300);
    const f = await this.figuresNow();
    this.figures.push(f);
    if (this.figures.length > 300) this.figures.shift();
    const services = this.grouped();
    for (const l of this.listeners) l.next({ events: fresh, figures: f, services });
  }

  private async figuresNow(): Promise<Figures> {
    const h = await this.metrics.httpDuration.get();
    let count = 0;
    const buckets = new Map<number, number>();
    for (const v of h.values) {
      const labels = v.labels as Record<string, string | number | undefined>;
      if (String(labels.route ?? '').startsWith('/dashboard')) continue;
      if (v.metricName === 'http_request_duration_seconds_count') count += v.value;
      if (v.metricName === 'http_request_duration_seconds_bucket') {
        const le = labels.le === '+Inf' ? Infinity : Number(labels.le);
        buckets.set(le, (buckets.get(le) ?? 0) + v.value);
      }
    }
    const c = await this.metrics.cacheRequests.get();
    let hits = 0;
    let misses = 0;
    for (const v of c.values) {
      // the in-process cache (items and lists); the Redis L2 is consulted only on its misses
      if (v.labels.cache === 'redis') continue;
      if (v.labels.result === 'hit') hits += v.value;
      else misses += v.value;
    }
    const prev = this.last;
    this.last = { count, buckets, hits, misses };
    const requests = prev ? count - prev.count : 0;
    let p99: number | null = null;
    if (prev && requests > 0) {
      const target = requests * 0.99;
      for (const le of [...buckets.keys()].sort((a, b) => a - b)) {
        if ((buckets.get(le) ?? 0) - (prev.buckets.get(le) ?? 0) >= target) {
          p99 = Number.isFinite(le) ? le * 1000 : null;
          break;
        }
      }
    }
    const dh = prev ? hits - prev.hits : 0;
    const dm = prev ? misses - prev.misses : 0;
    let lag = 0;
    for (const e of Object.values(this.election.electors())) {
      for (const v of e.replicaViews()) for (const n of Object.values(v.status?.lag ?? {})) lag = Math.max(lag, n);
    }
    let hints: number | null = null;
    const recovery = instancesOf(this.config.topology, 'recovery')[0] as Instance | undefined;
    if (recovery) {
      try {
        hints = (await this.pool.get(recovery).send<RecoveryStats>(RECOVERY.STATS, {}, 500)).pending.reduce((s, p) => s + p.count, 0);
      } catch {
        hints = null;
      }
    }
    return { at: new Date().toISOString(), requestsPerSecond: requests, p99Ms: p99, cacheHitRatio: dh + dm ? dh / (dh + dm) : null, replicationLag: lag, hintsPending: hints };
  }
}
