import { Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClusterCoreModule, REPLICATION_ENTITIES, replicaRpcController, sqliteOptions, type LoadedConfig } from '@app/cluster';
import { ORDER_SERVICE } from '@app/contracts';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { CatalogWriter } from './catalog/catalog-writer';
import type { OrderEnv } from './config/order.config';
import { HealthController } from './health/health.controller';
import { OrderRow } from './orders/order.entity';
import { OrderHttpController } from './orders/order.http.controller';
import { OrderRpcController } from './orders/order.rpc.controller';
import { OrderService } from './orders/order.service';
import { OrderStore } from './orders/order.store';
import { OrderReplica } from './replication/order-replica';

@Module({})
export class AppModule {
  static forRoot(config: LoadedConfig<OrderEnv>, logger: Logger): DynamicModule {
    const file = join(config.dataDir, `order-${config.self.id}.sqlite`);
    return {
      module: AppModule,
      imports: [
        ClusterCoreModule.forRoot(config, logger),
        TerminusModule,
        TypeOrmModule.forRoot(sqliteOptions(file, [OrderRow, ...REPLICATION_ENTITIES], config.env.SQLITE_SYNCHRONOUS)),
      ],
      controllers: [OrderRpcController, replicaRpcController(ORDER_SERVICE, OrderReplica), OrderHttpController, HealthController],
      providers: [OrderStore, OrderReplica, OrderService, CatalogWriter],
    };
  }
}
