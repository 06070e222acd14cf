import 'reflect-metadata';
import { bootstrapInstance, createLogger, loadConfig } from '@app/cluster';
import { AppModule } from './app.module';
import { CatalogEnv } from './config/catalog.config';

async function main() {
  const config = loadConfig('catalog', CatalogEnv);
  const logger = createLogger('catalog', config.self.id, config.env.LOG_LEVEL);
  await bootstrapInstance({
    module: AppModule.forRoot(config, logger),
    self: config.self,
    logger,
    title: `Bazaar catalog replica ${config.self.id}`,
    description: "A catalog replica's own view (clients use the gateway), health and metrics.",
  });
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
