import { Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BaseEnv, ClusterCoreModule, sqliteOptions, type LoadedConfig } from '@app/cluster';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { BazarRecoveryController } from './bazar/bazar-recovery.controller';
import { BazarUpdateRow } from './bazar/bazar-update.entity';
import { HealthController } from './health/health.controller';
import { FenceRow, HintRow } from './hints/hint.entity';
import { HintsHttpController } from './hints/hints.http.controller';
import { HintsRpcController } from './hints/hints.rpc.controller';
import { HintsService } from './hints/hints.service';

@Module({})
export class AppModule {
  static forRoot(config: LoadedConfig<BaseEnv>, logger: Logger): DynamicModule {
    const file = join(config.dataDir, `recovery-${config.self.id}.sqlite`);
    return {
      module: AppModule,
      imports: [
        ClusterCoreModule.forRoot(config, logger),
        TerminusModule,
        TypeOrmModule.forRoot(sqliteOptions(file, [HintRow, FenceRow, BazarUpdateRow], config.env.SQLITE_SYNCHRONOUS)),
        TypeOrmModule.forFeature([HintRow, BazarUpdateRow]),
      ],
      controllers: [HintsRpcController, HintsHttpController, BazarRecoveryController, HealthController],
      providers: [HintsService],
    };
  }
}
