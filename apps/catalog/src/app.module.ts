import { Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClusterCoreModule, REPLICATION_ENTITIES, replicaRpcController, sqliteOptions, type LoadedConfig } from '@app/cluster';
import { CATALOG_SERVICE } from '@app/contracts';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { CatalogEnv } from './config/catalog.config';
import { HealthController } from './health/health.controller';
import { CatalogHttpController } from './items/catalog.http.controller';
import { CatalogRpcController } from './items/catalog.rpc.controller';
import { CatalogService } from './items/catalog.service';
import { CatalogStore } from './items/catalog.store';
import { InvalidationPusher } from './items/invalidation.pusher';
import { CatalogTxRow, ItemRow, StockChangeRow } from './items/item.entity';
import { CatalogTxRpcController } from './tx/catalog-tx.rpc.controller';
import { CatalogTxService } from './tx/catalog-tx.service';
import { CatalogReplica } from './replication/catalog-replica';
import { RestockService } from './restock/restock.service';

@Module({})
export class AppModule {
  static forRoot(config: LoadedConfig<CatalogEnv>, logger: Logger): DynamicModule {
    const file = join(config.dataDir, `catalog-${config.self.id}.sqlite`);
    return {
      module: AppModule,
      imports: [
        ClusterCoreModule.forRoot(config, logger),
        TerminusModule,
        TypeOrmModule.forRoot(sqliteOptions(file, [ItemRow, StockChangeRow, CatalogTxRow, ...REPLICATION_ENTITIES], config.env.SQLITE_SYNCHRONOUS)),
      ],
      controllers: [CatalogRpcController, CatalogTxRpcController, replicaRpcController(CATALOG_SERVICE, CatalogReplica), CatalogHttpController, HealthController],
      providers: [CatalogStore, CatalogReplica, CatalogService, CatalogTxService, InvalidationPusher, RestockService],
    };
  }
}
