import { Global, Module, type DynamicModule, type OnApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { BaseEnv, LoadedConfig } from './config';
import { MetricsController, MetricsService } from './metrics';
import { PeerPool } from './peer-client';

/** Injection tokens of the core module. */
export const CONFIG = Symbol('CONFIG');
export const LOGGER = Symbol('LOGGER');

@Injectable()
class PeerPoolCloser implements OnApplicationShutdown {
  constructor(@Inject(PeerPool) private readonly pool: PeerPool) {}
  onApplicationShutdown() {
    this.pool.closeAll();
  }
}

/**
 * What every app shares: its validated config and topology, the JSON logger, the pool of peer
 * clients and Prometheus metrics (GET /metrics).
 */
@Global()
@Module({})
export class ClusterCoreModule {
  static forRoot(config: LoadedConfig<BaseEnv>, logger: Logger): DynamicModule {
    return {
      module: ClusterCoreModule,
      controllers: [MetricsController],
      providers: [
        { provide: CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        { provide: PeerPool, useFactory: (m: MetricsService) => new PeerPool(config.env.RPC_TIMEOUT_MS, m), inject: [MetricsService] },
        PeerPoolCloser,
        MetricsService,
      ],
      exports: [CONFIG, LOGGER, PeerPool, MetricsService],
    };
  }
}
