import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  CONFIG, EventLog, Faults, instancesOf, LOGGER, MetricsService, PeerPool, ReplicaNode, SqliteReplicaStore, type LoadedConfig,
} from '@app/cluster';
import { CATALOG_SERVICE, type CatalogEntryBody, type CatalogSnapshot } from '@app/contracts';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { CatalogEnv } from '../config/catalog.config';
import { seedIfEmpty } from '../items/catalog.state';
import { CatalogStore } from '../items/catalog.store';

/**
 * This process's catalog replica: primary-backup replication with the witness policy (a write is
 * acknowledged once the backup or, when it is down, the recovery service holds it).
 */
@Injectable()
export class CatalogReplica extends ReplicaNode<CatalogEntryBody, CatalogSnapshot> implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(CONFIG) private readonly config: LoadedConfig<CatalogEnv>,
    @Inject(LOGGER) private readonly logger: Logger,
    pool: PeerPool,
    metrics: MetricsService,
    events: EventLog,
    catalog: CatalogStore,
  ) {
    const { topology, self, env } = config;
    super({
      service: CATALOG_SERVICE,
      selfId: self.id,
      peers: instancesOf(topology, 'catalog').filter((i) => i.id !== self.id),
      policy: 'witness',
      roles: { leader: 'primary', follower: 'backup' },
      store: new SqliteReplicaStore(ds, catalog),
      pool,
      recovery: instancesOf(topology, 'recovery')[0] ?? null,
      logger,
      faults: new Faults(config.faults, logger),
      rpcTimeoutMs: env.RPC_TIMEOUT_MS,
      writeTimeoutMs: env.WRITE_TIMEOUT_MS,
      onEvent: (kind, message, details) => events.record(kind, message, details),
      onLagChange: (lag) => {
        for (const [id, n] of Object.entries(lag)) metrics.replicationLag.set({ service: CATALOG_SERVICE, replica: id }, n);
      },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (await seedIfEmpty(this.ds)) this.logger.info('fresh database: seed data loaded');
    await this.start();
  }

  onModuleDestroy(): void {
    this.stop();
  }
}
