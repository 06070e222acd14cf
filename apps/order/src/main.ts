import 'reflect-metadata';
import { bootstrapInstance, createLogger, loadConfig } from '@app/cluster';
import { AppModule } from './app.module';
import { OrderEnv } from './config/order.config';

async function main() {
  const config = loadConfig('order', OrderEnv);
  const logger = createLogger('order', config.self.id, config.env.LOG_LEVEL);
  await bootstrapInstance({
    module: AppModule.forRoot(config, logger),
    self: config.self,
    logger,
    title: `Bazaar order replica ${config.self.id}`,
    description: "An order replica's own view (clients use the gateway), health and metrics.",
  });
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
