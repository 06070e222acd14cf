import { Global, Module, type DynamicModule, type OnApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { BaseEnv, LoadedConfig } from './config';
import { MetricsController, MetricsService } from './metrics';
import { PeerPool } from './peer-client';

import { EventLog, OpsRpcController } from './events';
import { CONFIG, LOGGER } from './tokens';

export { CONFIG, LOGGER } from './tokens';

@Injectable()
class PeerPoolCloser implements OnApplicationShutdown {
  constructor(@Inject(PeerPool) private readonly pool: PeerPool) {}
  onApplicationShutdown() {
    this.pool.closeAll();
  }
}

/**
 * What every app shares: its validated config and topology, the JSON logger, the pool of peer
 * clients, Prometheus metrics (GET /metrics) and the log of recent cluster events (OPS.EVENTS).
 */
@Global()
@Module({})
export class ClusterCoreModule {
  static forRoot(config: LoadedConfig<BaseEnv>, logger: Logger): DynamicModule {
    return {
      module: ClusterCoreModule,
      controllers: [MetricsController, OpsRpcController],
      providers: [
        { provide: CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        { provide: PeerPool, useFactory: (m: MetricsService) => new PeerPool(config.env.RPC_TIMEOUT_MS, m), inject: [MetricsService] },
        PeerPoolCloser,
        MetricsService,
        EventLog,
      ],
      exports: [CONFIG, LOGGER, PeerPool, MetricsService, EventLog],
    };
  }
}
