import autocannon from 'autocannon';
import { ADMIN, LocalCluster } from '../../tools/launcher/local-cluster';
import { CONNECTIONS, DURATION_S, round, type BenchRow } from '../lib';

/**
 * The Bookstore: GET /books through a gateway's in-process cache, through the Redis Cluster (a gateway
 * whose L1 is off), and uncached (L1 off, no Redis); and /books-2pc latency, p50/p99 over 200
 * sequential transactions.
 */
export async function booksSuite(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const c = await LocalCluster.start({
    'kv-node': 4, catalog: 2, recovery: 1, gateway: 3, redis: true, prefix: 'bazaar-bench-books-',
    env: { LOG_LEVEL: 'warn', RESTOCK_INTERVAL_MS: '0' },
    envFor: (i): Record<string, string> | undefined => (i.app !== 'gateway' ? undefined : i.id === 1 ? { REDIS_NODES: '' } : i.id === 2 ? { CACHE_MAX_ENTRIES: '0' } : { CACHE_MAX_ENTRIES: '0', REDIS_NODES: '' }),
  });
  try {
    const results: Record<string, number> = {};
    for (const [name, gw] of [['books.get.in-process-cache', 1], ['books.get.redis-cluster', 2], ['books.get.uncached', 3]] as const) {
      await c.get('/books', 'gateway', gw);
      const r = await autocannon({ url: `${c.url('gateway', gw)}/books`, connections: CONNECTIONS, duration: DURATION_S });
      const rps = r['2xx'] / DURATION_S;
      results[name] = rps;
      console.log(`${`GET /books (${name.split('.')[2]})`.padEnd(34)} ${rps.toFixed(0).padStart(7)} req/s  p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms${r.non2xx ? `  (non-2xx ${r.non2xx})` : ''}`);
      rows.push({ name: `${name}.rps`, value: round(rps, 0), unit: 'req/s' }, { name: `${name}.p99`, value: r.latency.p99, unit: 'ms' });
    }
    rows.push({ name: 'books.get.redis-vs-uncached', value: round(results['books.get.redis-cluster'] / results['books.get.uncached']), unit: 'ratio', baseline: 'books.get.uncached.rps', ratio: round(results['books.get.redis-cluster'] / results['books.get.uncached']) });
    const lat: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now();
      const r = await c.request('POST', '/books-2pc', { body: { title: `Bench ${i}`, author: 'B', price: 1, quantity: 1 }, headers: ADMIN });
      if (r.status !== 200) throw new Error(`books-2pc failed: ${r.status} ${JSON.stringify(r.body)}`);
      lat.push(performance.now() - t0);
    }
    lat.sort((a, b) => a - b);
    const p50 = round(lat[99], 1);
    const p99 = round(lat[197], 1);
    console.log(`POST /books-2pc (2 participants, durable logs): p50 ${p50} ms, p99 ${p99} ms over 200 sequential transactions`);
    rows.push({ name: 'books-2pc.p50', value: p50, unit: 'ms' }, { name: 'books-2pc.p99', value: p99, unit: 'ms' });
  } finally {
    await c.stop();
  }
  return rows;
}
