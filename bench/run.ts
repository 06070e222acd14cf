import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePorts } from '../test/e2e/support/ports';
import { ClusterRunner } from '../tools/launcher/cluster-runner';
import type { Instance } from '@app/cluster/topology';
import { CONNECTIONS, DURATION_S, type BenchRow } from './lib';
import { lookupSuite } from './suites/lookup.suite';

/**
 * `npm run bench`: starts a cluster on free ports, runs every suite, prints the figures and writes
 * bench/results.json. Figures are ratios against baselines measured in the same run (the machine is
 * shared and noisy); nothing here is a pass/fail test.
 */
async function main() {
  const root = resolve(__dirname, '..', '..');
  const dir = mkdtempSync(join(tmpdir(), 'bazaar-bench-'));
  const ports = await freePorts(8);
  const instances: Instance[] = [
    { app: 'recovery', id: 1, host: '127.0.0.1', http: ports[0], tcp: ports[1] },
    { app: 'catalog', id: 1, host: '127.0.0.1', http: ports[2], tcp: ports[3] },
    { app: 'catalog', id: 2, host: '127.0.0.1', http: ports[4], tcp: ports[5] },
    { app: 'gateway', id: 1, host: '127.0.0.1', http: ports[6], tcp: ports[7] },
  ];
  writeFileSync(join(dir, 'topology.json'), JSON.stringify({ instances }));
  const cluster = new ClusterRunner({
    topologyFile: join(dir, 'topology.json'), dataDir: join(dir, 'data'), rootDir: root, adminToken: 'bench',
    env: { LOG_LEVEL: 'warn', RESTOCK_INTERVAL_MS: '0' },
  });
  console.log(`bench: ${CONNECTIONS} connections, ${DURATION_S} s per load, node ${process.version}`);
  const rows: BenchRow[] = [];
  try {
    await cluster.startAll();
    rows.push(...await lookupSuite(cluster, `http://127.0.0.1:${ports[6]}`));
  } finally {
    await cluster.stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
  const out = join(root, 'bench', 'results.json');
  writeFileSync(out, `${JSON.stringify(rows, null, 2)}\n`);
  console.log(`\nwrote ${rows.length} figures to ${out}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
