import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  CONFIG, EventLog, Faults, instancesOf, LOGGER, MetricsService, PeerPool, ReplicaNode, SqliteReplicaStore, type LoadedConfig,
} from '@app/cluster';
import { ORDER_SERVICE, type OrderEntryBody, type OrderSnapshot, type ReplicaRole, type Term } from '@app/contracts';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { OrderEnv } from '../config/order.config';
import { OrderStore } from '../orders/order.store';

/**
 * This process's order replica: one leader, followers, majority acknowledgement (2 of 3), hints in
 * the recovery service for followers that are down.
 */
@Injectable()
export class OrderReplica extends ReplicaNode<OrderEntryBody, OrderSnapshot> implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly listeners: ((role: ReplicaRole, term: Term) => void)[] = [];

  constructor(
    @InjectDataSource() ds: DataSource,
    @Inject(CONFIG) config: LoadedConfig<OrderEnv>,
    @Inject(LOGGER) logger: Logger,
    pool: PeerPool,
    metrics: MetricsService,
    events: EventLog,
    orders: OrderStore,
  ) {
    const { topology, self, env } = config;
    super({
      service: ORDER_SERVICE,
      selfId: self.id,
      peers: instancesOf(topology, 'order').filter((i) => i.id !== self.id),
      policy: 'majority',
      roles: { leader: 'leader', follower: 'follower' },
      store: new SqliteReplicaStore(ds, orders),
      pool,
      recovery: instancesOf(topology, 'recovery')[0] ?? null,
      logger,
      faults: new Faults(config.faults, logger),
      rpcTimeoutMs: env.RPC_TIMEOUT_MS,
      writeTimeoutMs: env.WRITE_TIMEOUT_MS,
      onEvent: (kind, message, details) => events.record(kind, message, details),
      onLagChange: (lag) => {
        for (const [id, n] of Object.entries(lag)) metrics.replicationLag.set({ service: ORDER_SERVICE, replica: id }, n);
      },
      onRoleChange: (role, term) => this.listeners.forEach((l) => l(role, term)),
    });
  }

  onRoleChanged(listener: (role: ReplicaRole, term: Term) => void): void {
    this.listeners.push(listener);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.start();
  }

  onModuleDestroy(): void {
    this.stop();
  }
}
