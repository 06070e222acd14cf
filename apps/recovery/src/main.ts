import 'reflect-metadata';
import { BaseEnv, bootstrapInstance, createLogger, loadConfig } from '@app/cluster';
import { AppModule } from './app.module';

async function main() {
  const config = loadConfig('recovery', BaseEnv);
  const logger = createLogger('recovery', config.self.id, config.env.LOG_LEVEL);
  await bootstrapInstance({
    module: AppModule.forRoot(config, logger),
    self: config.self,
    logger,
    title: 'Bazaar recovery service',
    description: 'The durable hint store: updates for replicas that were down, kept until they take them.',
  });
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
