import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LocalCluster } from '../tools/launcher/local-cluster';
import { CONNECTIONS, DURATION_S, type BenchRow } from './lib';
import { lookupSuite } from './suites/lookup.suite';
import { ordersSuite } from './suites/orders.suite';
import { kvSuite } from './suites/kv.suite';
import { cartSuite } from './suites/cart.suite';
import { booksSuite } from './suites/books.suite';

/**
 * `npm run bench`: starts a cluster on free ports, runs every suite (or those named on the command
 * line), prints the figures and writes bench/results.json. Figures are ratios against baselines
 * measured in the same run (the machine is shared and noisy); nothing here is a pass/fail test.
 */
async function main() {
  const only = new Set(process.argv.slice(2));
  const want = (s: string) => only.size === 0 || only.has(s);
  const root = resolve(__dirname, '..', '..');
  console.log(`bench: ${CONNECTIONS} connections, ${DURATION_S} s per load, node ${process.version}`);
  const main = want('lookup') || want('orders');
  const cluster = main ? await LocalCluster.start({ order: 3, env: { LOG_LEVEL: 'warn', RESTOCK_INTERVAL_MS: '0' }, prefix: 'bazaar-bench-' }) : null;
  const rows: BenchRow[] = [];
  try {
    const lookup = cluster ? await lookupSuite(cluster.url()) : [];
    rows.push(...lookup);
    if (cluster && want('orders')) rows.push(...await ordersSuite(cluster, lookup.find((r) => r.name === 'gateway.lookup-cached.rps')?.value));
  } finally {
    await cluster?.stop();
  }
  if (want('kv')) rows.push(...await kvSuite(rows.find((r) => r.name === 'bare-http.rps')?.value));
  if (want('cart')) rows.push(...await cartSuite());
  if (want('books')) rows.push(...await booksSuite());
  const out = join(root, 'bench', 'results.json');
  writeFileSync(out, `${JSON.stringify(rows, null, 2)}\n`);
  console.log(`\nwrote ${rows.length} figures to ${out}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
