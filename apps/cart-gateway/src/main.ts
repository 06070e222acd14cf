import 'reflect-metadata';
import { bootstrapInstance, createLogger, loadConfig } from '@app/cluster';
import { AppModule } from './app.module';
import { CartEnv } from './config/cart.config';

async function main() {
  const config = loadConfig('cart-gateway', CartEnv);
  const logger = createLogger('cart-gateway', config.self.id, config.env.LOG_LEVEL);
  await bootstrapInstance({
    module: AppModule.forRoot(config, logger),
    self: config.self,
    logger,
    title: `Bazaar cart-gateway ${config.self.id}`,
    description: 'The leaderless cart store: CRUSH placement over the kv-nodes, quorum reads and writes, version vectors, '
      + 'read repair, sloppy quorum with hinted handoff. Any cart-gateway serves every route.',
  });
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
