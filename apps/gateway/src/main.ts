import 'reflect-metadata';
import { bootstrapInstance, createLogger, loadConfig } from '@app/cluster';
import { AppModule } from './app.module';
import { GatewayEnv } from './config/gateway.config';

async function main() {
  const config = loadConfig('gateway', GatewayEnv);
  const logger = createLogger('gateway', config.self.id, config.env.LOG_LEVEL);
  await bootstrapInstance({
    module: AppModule.forRoot(config, logger),
    self: config.self,
    logger,
    title: 'Bazaar gateway',
    description: 'Shopper- and admin-facing API of Bazaar: the Bazar, Toy Store and Bookstore routes, and operations. '
      + 'Admin routes need Authorization: Bearer <BAZAAR_ADMIN_TOKEN>.',
  });
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
