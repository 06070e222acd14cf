import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  CONFIG, Faults, instancesOf, LOGGER, MetricsService, PeerPool, ReplicaNode, TypeormReplicaStore, type LoadedConfig,
} from '@app/cluster';
import { ORDER_SERVICE, type OrderEntryBody, type OrderSnapshot, type ReplicaRole, type Term } from '@app/contracts';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { OrderEnv } from '../config/order.config';
import { PendingRow } from '../orders/order.entity';
import { OrderStateMachine } from '../orders/order.state';

/**
 * This process's order replica: one leader, followers, majority acknowledgement (2 of 3), hints in
 * the recovery service for followers that are down.
 */
@Injectable()
export class OrderReplica extends ReplicaNode<OrderEntryBody, OrderSnapshot> implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly listeners: ((role: ReplicaRole, term: Term) => void)[] = [];

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(CONFIG) config: LoadedConfig<OrderEnv>,
    @Inject(LOGGER) logger: Logger,
    pool: PeerPool,
    metrics: MetricsService,
  ) {
    const { topology, self, env } = config;
    super({
      service: ORDER_SERVICE,
      selfId: self.id,
      peers: instancesOf(topology, 'order').filter((i) => i.id !== self.id),
      policy: 'majority',
      roles: { leader: 'leader', follower: 'follower' },
      store: new TypeormReplicaStore(ds, new OrderStateMachine()),
      pool,
      recovery: instancesOf(topology, 'recovery')[0] ?? null,
      logger,
      faults: new Faults(config.faults, logger),
      rpcTimeoutMs: env.RPC_TIMEOUT_MS,
      writeTimeoutMs: env.WRITE_TIMEOUT_MS,
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
    // pending orders belong to the leadership that took them; a restarted replica starts as follower
    await this.ds.getRepository(PendingRow).clear();
    await this.start();
  }

  onModuleDestroy(): void {
    this.stop();
  }
}
