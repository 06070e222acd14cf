import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { CONFIG, instancesOf, LOGGER, PeerPool, type Instance, type LoadedConfig } from '@app/cluster';
import { DomainError, ErrorCode, KV, type KvOp, type KvOpReply, type KvOpRequest } from '@app/contracts';
import { place, type Member } from '@app/hashing';
import type { Logger } from 'pino';
import type { CartEnv } from '../config/cart.config';

/** A replica chosen for a key: a preferred node, or a stand-in holding a write for a preferred node that is down. */
export interface Replica {
  node: Instance;
  /** the preferred node this stand-in holds the write for (sloppy quorum), or null */
  hintFor: number | null;
}

const MEMBERS_KEY = 'cart:members';

/**
 * Membership of the cart store, instead of ZooKeeper: the kv-nodes of the topology, minus those an
 * operator made leave (kept in the kv datastore's `meta` namespace so every cart-gateway sees the same
 * list), and their health from checks every CART_HEALTH_INTERVAL_MS. A crash is not a leave: it is
 * covered by sloppy quorum and hints. Placement is CRUSH-style (libs/hashing) over the members.
 */
@Injectable()
export class CartMembership implements OnApplicationBootstrap, OnModuleDestroy {
  readonly nodes: Instance[];
  private readonly healthy = new Map<number, boolean>();
  private left = new Set<number>();
  private timers: NodeJS.Timeout[] = [];
  private checked = false;

  constructor(
    @Inject(CONFIG) private readonly config: LoadedConfig<CartEnv>,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly pool: PeerPool,
  ) {
    const overrides = new Map((config.env.KV_ADDRESS_OVERRIDES ?? '').split(',').filter(Boolean).map((s) => {
      const [id, addr] = s.split('=');
      const [host, port] = addr.split(':');
      return [Number(id), { host, tcp: Number(port) }] as const;
    }));
    this.nodes = instancesOf(config.topology, 'kv-node').map((i) => ({ ...i, ...overrides.get(i.id) }));
  }

  onApplicationBootstrap(): void {
    void this.checkHealth();
    void this.refreshMembers();
    this.timers.push(setInterval(() => void this.checkHealth(), this.config.env.CART_HEALTH_INTERVAL_MS));
    this.timers.push(setInterval(() => void this.refreshMembers(), 1000));
    for (const t of this.timers) t.unref();
  }

  onModuleDestroy(): void {
    for (const t of this.timers) clearInterval(t);
  }

  get ready(): boolean {
    return this.checked;
  }

  /** N: the replicas of each key */
  get replicasPerKey(): number {
    return this.config.env.CART_N;
  }

  members(): (Member & { instance: Instance })[] {
    return this.nodes.filter((n) => !this.left.has(n.id)).map((n) => ({ id: n.id, weight: 1, instance: n }));
  }

  leftNodes(): number[] {
    return [...this.left].sort();
  }

  isHealthy(id: number): boolean {
    return this.healthy.get(id) ?? false;
  }

  markDown(id: number): void {
    this.healthy.set(id, false);
  }

  node(id: number): Instance {
    return this.nodes.find((n) => n.id === id)!;
  }

  /** The N preferred members of a key, in CRUSH order (the first is the coordinator of its writes). */
  preferred(key: string, members = this.members()): Instance[] {
    return place(key, members, this.config.env.CART_N).map((m) => (m as Member & { instance: Instance }).instance);
  }

  /**
   * The replicas to use for a key now: the preferred members that are up, and for each one that is
   * down the next member in CRUSH order that is up, holding the write with a hint (Dynamo §4.6).
   */
  replicas(key: string): Replica[] {
    const ranked = place(key, this.members(), this.members().length).map((m) => (m as Member & { instance: Instance }).instance);
    const preferred = ranked.slice(0, this.config.env.CART_N);
    const spares = ranked.slice(this.config.env.CART_N).filter((n) => this.isHealthy(n.id));
    const out: Replica[] = [];
    for (const p of preferred) {
      if (this.isHealthy(p.id)) out.push({ node: p, hintFor: null });
      else if (spares.length) out.push({ node: spares.shift()!, hintFor: p.id });
    }
    return out;
  }

  /** Makes a member leave or join; every cart-gateway reads the list from the kv datastore. */
  async setLeft(left: number[]): Promise<void> {
    await this.kv({ op: 'put', ns: 'meta', key: MEMBERS_KEY, value: { left } });
    this.left = new Set(left);
    this.logger.info({ left }, 'cart membership changed');
  }

  /** A leader-ordered operation on the kv datastore, through any kv-node that answers. */
  async kv(op: KvOp): Promise<KvOpReply> {
    let last: unknown;
    for (const n of [...this.nodes].sort((a, b) => Number(this.isHealthy(b.id)) - Number(this.isHealthy(a.id)))) {
      try {
        return await this.pool.get(n).send<KvOpReply, KvOpRequest>(KV.OP_ANY, { op }, 3000);
      } catch (err) {
        last = err;
      }
    }
    throw last instanceof DomainError ? last : new DomainError(ErrorCode.UNAVAILABLE, 'no kv-node answers');
  }

  private async checkHealth(): Promise<void> {
    await Promise.all(this.nodes.map(async (n) => {
      try {
        await this.pool.get(n).send(KV.STATUS, {}, 300);
        if (this.healthy.get(n.id) === false) this.logger.info({ node: n.id }, 'kv-node is up again');
        this.healthy.set(n.id, true);
      } catch {
        if (this.healthy.get(n.id) !== false) this.logger.warn({ node: n.id }, 'kv-node does not answer');
        this.healthy.set(n.id, false);
      }
    }));
    this.checked = true;
  }

  private async refreshMembers(): Promise<void> {
    try {
      const r = await this.kv({ op: 'get', ns: 'meta', key: MEMBERS_KEY });
      const left = 'found' in r && r.found ? ((r.value as { left?: number[] }).left ?? []) : [];
      this.left = new Set(left);
    } catch {
      /* keep the last known list */
    }
  }
}
