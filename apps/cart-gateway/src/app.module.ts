import { Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ClusterCoreModule, readAdminToken, type LoadedConfig } from '@app/cluster';
import type { Logger } from 'pino';
import { CartService } from './cart/cart.service';
import type { CartEnv } from './config/cart.config';
import { HealthController } from './health/health.controller';
import { ADMIN_TOKEN, AdminGuard } from './http/admin.guard';
import { CartErrorsFilter, CartHttpController } from './http/cart.http.controller';
import { CartMembership } from './membership/cart-membership.service';

@Module({})
export class AppModule {
  static forRoot(config: LoadedConfig<CartEnv>, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [ClusterCoreModule.forRoot(config, logger), TerminusModule],
      controllers: [CartHttpController, HealthController],
      providers: [
        CartMembership, CartService, CartErrorsFilter, AdminGuard,
        { provide: ADMIN_TOKEN, useValue: readAdminToken(config.dataDir, config.env.BAZAAR_ADMIN_TOKEN) },
      ],
    };
  }
}
