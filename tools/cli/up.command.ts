import Table from 'cli-table3';
import { httpUrl } from '@app/cluster/topology';
import { join } from 'node:path';
import { ClusterRunner, ensureAdminToken } from '../launcher/cluster-runner';
import { RedisClusterRunner } from '../launcher/redis-cluster';
import { LauncherControl } from '../launcher/control';

/** `bazaar up` (`npm start`): the whole cluster on this machine until Ctrl-C. */
export async function upCommand(opts: { topology: string; dataDir: string; redis?: boolean; controlPort?: string }): Promise<void> {
  const { token, generated, file } = ensureAdminToken(opts.dataDir);
  let redis: RedisClusterRunner | null = null;
  if (opts.redis) {
    const ports = [7000, 7001, 7002, 7003, 7004, 7005];
    redis = new RedisClusterRunner(ports, join(opts.dataDir, 'redis'));
    console.log(`Starting a Redis Cluster (3 masters, 3 replicas) on ${ports.join(', ')} …`);
    await redis.start();
  }
  const runner = new ClusterRunner({
    topologyFile: opts.topology,
    dataDir: opts.dataDir,
    adminToken: token,
    envFor: (i) => (redis && i.app === 'gateway' ? { REDIS_NODES: redis.seeds.join(',') } : undefined),
    onExit: (i, code, signal) => console.error(`! ${i.app}#${i.id} exited (${signal ?? `code ${code}`}); see ${runner.logDir}/${i.app}-${i.id}.log`),
  });
  const control = new LauncherControl(runner, token);
  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${why}: stopping every instance…`);
    await control.close();
    await runner.stopAll();
    await redis?.stop();
    console.log('stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('Ctrl-C'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  console.log(`Starting ${runner.instances().length} instances from ${runner.topologyFile}, data in ${runner.dataDir} …`);
  const started = Date.now();
  try {
    await control.listen(opts.controlPort ? Number(opts.controlPort) : 0);
    await runner.startAll(120000);
  } catch (err) {
    console.error(`start-up failed: ${(err as Error).message}`);
    await control.close();
    await runner.stopAll();
    await redis?.stop();
    process.exit(1);
  }

  const table = new Table({ head: ['app', 'id', 'pid', 'http', 'tcp', 'docs'] });
  for (const i of runner.instances()) {
    table.push([i.app, i.id, runner.pid(i.app, i.id) ?? '-', i.http ? httpUrl(i) : '-', i.tcp ? `${i.host}:${i.tcp}` : '-', i.http ? `${httpUrl(i)}/docs` : '-']);
  }
  console.log(table.toString());
  console.log(`All ${runner.instances().length} instances healthy in ${((Date.now() - started) / 1000).toFixed(1)} s. Logs: ${runner.logDir}`);
  if (generated) console.log(`Admin token (generated, kept in ${file}): ${token}`);
  else console.log(`Admin token: ${process.env.BAZAAR_ADMIN_TOKEN ? 'from BAZAAR_ADMIN_TOKEN' : `kept in ${file}`}`);
  const gw = runner.instances().find((i) => i.app === 'gateway');
  if (redis) console.log(`L2 cache: Redis Cluster at ${redis.seeds.join(', ')}`);
  if (gw) console.log(`Try: curl ${httpUrl(gw)}/lookup/1 — dashboard: ${httpUrl(gw)}/dashboard`);
  console.log(`bazaar status shows the cluster; bazaar chaos kill|pause|resume|restart <app> <id> shakes it (control API on 127.0.0.1, see ${runner.dataDir}/launcher.json).`);
  console.log('Ctrl-C stops the cluster.');
}
