import 'reflect-metadata';
import { bootstrapInstance, createLogger, loadConfig } from '@app/cluster';
import { AppModule } from './app.module';
import { KvEnv } from './config/kv.config';

async function main() {
  const config = loadConfig('kv-node', KvEnv);
  const logger = createLogger('kv-node', config.self.id, config.env.LOG_LEVEL);
  await bootstrapInstance({
    module: AppModule.forRoot(config, logger),
    self: config.self,
    logger,
    websockets: true,
    bodyLimit: 20 * 1024 * 1024,
    title: `Bazaar kv-node ${config.self.id}`,
    description: 'The distributed key-value datastore: any node accepts every route and forwards to the partition leader. '
      + 'WebSocket /ws streams every change; FTP on the topology port stores files in the cluster.',
  });
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
