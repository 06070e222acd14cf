import { Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ClusterCoreModule, readAdminToken, sqliteOptions, type LoadedConfig } from '@app/cluster';
import { TypeOrmModule } from '@nestjs/typeorm';
import { join } from 'node:path';
import { BookstoreController } from './http/bookstore.controller';
import { DashboardController } from './dashboard/dashboard.controller';
import { DashboardService } from './dashboard/dashboard.service';
import { RedisCacheService } from './cache/redis-cache.service';
import { KvClient } from './kv/kv.client';
import { CoordinatorRpcController } from './tx/coordinator.rpc.controller';
import { TxLogRow } from './tx/tx-log.entity';
import { TwoPhaseCommitService } from './tx/two-phase-commit.service';
import type { Logger } from 'pino';
import { ADMIN_TOKEN, AdminGuard } from './auth/admin.guard';
import { CatalogClient } from './catalog/catalog.client';
import { CatalogReadService } from './catalog/catalog-read.service';
import { InvalidationRpcController } from './catalog/invalidation.rpc.controller';
import { ClusterViewService } from './cluster/cluster-view.service';
import { ElectionService } from './cluster/election.service';
import type { GatewayEnv } from './config/gateway.config';
import { HealthController } from './health/health.controller';
import { BazarController } from './http/bazar.controller';
import { BazarErrorsFilter, BookstoreErrorsFilter, ToyStoreErrorsFilter } from './http/contract-errors';
import { OpsController } from './http/ops.controller';
import { OrderClient } from './orders/order.client';
import { ToyStoreController } from './http/toy-store.controller';

@Module({})
export class AppModule {
  static forRoot(config: LoadedConfig<GatewayEnv>, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ClusterCoreModule.forRoot(config, logger),
        TerminusModule,
        TypeOrmModule.forRoot(sqliteOptions(join(config.dataDir, `gateway-${config.self.id}.sqlite`), [TxLogRow], config.env.SQLITE_SYNCHRONOUS)),
      ],
      controllers: [BazarController, ToyStoreController, BookstoreController, OpsController, DashboardController, HealthController, InvalidationRpcController, CoordinatorRpcController],
      providers: [
        { provide: ADMIN_TOKEN, useValue: readAdminToken(config.dataDir, config.env.BAZAAR_ADMIN_TOKEN) },
        AdminGuard,
        ElectionService,
        ClusterViewService,
        CatalogClient,
        CatalogReadService,
        OrderClient,
        KvClient,
        RedisCacheService,
        DashboardService,
        TwoPhaseCommitService,
        BazarErrorsFilter,
        ToyStoreErrorsFilter,
        BookstoreErrorsFilter,
      ],
    };
  }
}
