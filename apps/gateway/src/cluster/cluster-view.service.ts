import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { CONFIG, httpUrl, PeerPool, type Elector, type Instance, type LoadedConfig } from '@app/cluster';
import { KV } from '@app/contracts';
import type { Term } from '@app/contracts';
import type { GatewayEnv } from '../config/gateway.config';
import { ElectionService } from './election.service';

export interface ServiceView {
  app: string;
  id: number;
  role: string;
  term: Term | null;
  healthy: boolean;
  http: string | null;
  tcp: string | null;
  /** log position (replicated services) */
  last?: number;
  reason?: string;
}

interface KvNodeStatus {
  leader: number | null;
  term: number;
  partitions?: number;
  replicationFactor?: number;
}

/**
 * What this gateway knows of every instance in the topology: replicated services as its electors see
 * them; the others (gateways, recovery) from a readiness probe of their /health every second.
 */
@Injectable()
export class ClusterViewService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly probed = new Map<string, boolean>();
  /** kv-nodes: the leader and term each reports */
  private readonly kv = new Map<number, KvNodeStatus>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(CONFIG) private readonly config: LoadedConfig<GatewayEnv>,
    private readonly election: ElectionService,
    private readonly pool: PeerPool,
  ) {}

  onApplicationBootstrap(): void {
    void this.probe();
    this.timer = setInterval(() => void this.probe(), 1000);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** The kv layout the kv-nodes report (their KV_PARTITIONS and KV_REPLICATION_FACTOR), until one answers the defaults. */
  kvLayout(): { partitions: number; replicationFactor: number } {
    for (const k of this.kv.values()) if (k.partitions && k.replicationFactor) return { partitions: k.partitions, replicationFactor: k.replicationFactor };
    return { partitions: 64, replicationFactor: 3 };
  }

  services(): ServiceView[] {
    const electors: Record<string, Elector> = this.election.electors();
    return this.config.topology.instances.map((i) => {
      const base = { app: i.app, id: i.id, http: i.http ? httpUrl(i) : null, tcp: i.tcp ? `${i.host}:${i.tcp}` : null };
      const elector = electors[i.app];
      if (elector) {
        const v = elector.replicaViews().find((r) => r.instance.id === i.id)!;
        const leader = elector.currentLeader();
        const role = v.status?.role ?? 'unknown';
        return {
          ...base, role: leader?.instance.id === i.id ? role : role === 'primary' || role === 'leader' ? `${role} (deposed)` : role,
          term: v.status?.term ?? null, healthy: v.healthy, last: v.status?.last.seq,
          ...(v.status && !v.status.ready ? { reason: v.status.reason } : {}),
        };
      }
      const self = i.app === this.config.self.app && i.id === this.config.self.id;
      const healthy = self || (this.probed.get(key(i)) ?? false);
      if (i.app === 'kv-node') {
        const k = this.kv.get(i.id);
        // kv-nodes elect among themselves: a plain term number (electorId 0)
        return { ...base, role: k && k.leader === i.id ? 'leader' : 'member', term: k ? { counter: k.term, electorId: 0 } : null, healthy };
      }
      return { ...base, role: 'member', term: null, healthy };
    });
  }

  private async probe(): Promise<void> {
    await Promise.all(this.config.topology.instances
      .filter((i) => i.http && !['catalog', 'order'].includes(i.app) && !(i.app === this.config.self.app && i.id === this.config.self.id))
      .map(async (i) => {
        try {
          const res = await fetch(`${httpUrl(i)}/health`, { signal: AbortSignal.timeout(500) });
          this.probed.set(key(i), res.ok);
          if (i.app === 'kv-node') this.kv.set(i.id, await this.pool.get(i).send<KvNodeStatus>(KV.STATUS, {}, 500));
        } catch {
          this.probed.set(key(i), false);
          this.kv.delete(i.id);
        }
      }));
  }
}

const key = (i: Instance) => `${i.app}#${i.id}`;
