import autocannon from 'autocannon';
import { ADMIN, type LocalCluster } from '../../tools/launcher/local-cluster';
import { CONNECTIONS, DURATION_S, round, type BenchRow } from '../lib';

const KILLS = Number(process.env.BENCH_KILLS ?? 5);

/**
 * Orders per second with 3 order replicas and synchronous (majority) replication, counting only
 * successful orders, on an item with ample stock; and the failover time: from kill -9 of the order
 * leader to the first successful order sent after it, p50 over BENCH_KILLS kills.
 */
export async function ordersSuite(c: LocalCluster, lookupRps?: number): Promise<BenchRow[]> {
  await c.request('PUT', '/update/item/2', { body: { quantity: 1_000_000_000 }, headers: ADMIN });
  const r = await autocannon({ url: `${c.url()}/buy/2`, method: 'PUT', connections: CONNECTIONS, duration: DURATION_S });
  const ok = r['2xx'];
  const ordersPerSecond = ok / DURATION_S;
  console.log(`orders (PUT /buy, 3 replicas, majority) ${ordersPerSecond.toFixed(0).padStart(7)} orders/s  p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms  (non-2xx ${r.non2xx}, errors ${r.errors})`);

  const failovers: number[] = [];
  for (let k = 0; k < KILLS; k++) failovers.push(await failoverOnce(c));
  const sorted = [...failovers].sort((a, b) => a - b);
  const p50 = sorted[Math.floor((sorted.length - 1) / 2)];
  console.log(`order leader failover (kill -9 → first successful order sent after it): ${failovers.map((f) => `${f} ms`).join(', ')}; p50 ${p50} ms`);

  const rows: BenchRow[] = [
    { name: 'orders.buy.per-second', value: round(ordersPerSecond, 0), unit: 'orders/s', ...(lookupRps ? { baseline: 'gateway.lookup-cached.rps', ratio: round(ordersPerSecond / lookupRps) } : {}) },
    { name: 'orders.buy.p50', value: r.latency.p50, unit: 'ms' },
    { name: 'orders.buy.p99', value: r.latency.p99, unit: 'ms' },
    { name: 'orders.failover.p50', value: p50, unit: 'ms' },
    { name: 'orders.failover.max', value: sorted[sorted.length - 1], unit: 'ms' },
  ];
  return rows;
}

async function leader(c: LocalCluster): Promise<number> {
  for (;;) {
    const services = (await c.get('/cluster')).body.services as { app: string; id: number; role: string; healthy: boolean }[];
    const l = services.find((s) => s.app === 'order' && s.role === 'leader' && s.healthy);
    const allHealthy = services.filter((s) => s.app === 'order').every((s) => s.healthy);
    if (l && allHealthy) return l.id;
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** Buys continuously from 4 clients, kills the leader, and measures until an order sent after the kill succeeds. */
async function failoverOnce(c: LocalCluster): Promise<number> {
  const id = await leader(c);
  let killedAt = 0;
  let recoveredAt = 0;
  let stop = false;
  const client = async () => {
    while (!stop) {
      const sentAt = Date.now();
      const res = await c.request('PUT', '/buy/2').catch(() => ({ status: 0 }));
      if (killedAt && sentAt >= killedAt && res.status === 201 && !recoveredAt) recoveredAt = Date.now();
    }
  };
  const clients = Array.from({ length: 4 }, client);
  await new Promise((res) => setTimeout(res, 300));
  killedAt = Date.now();
  await c.kill('order', id);
  while (!recoveredAt) await new Promise((res) => setTimeout(res, 5));
  stop = true;
  await Promise.all(clients);
  await c.restart('order', id);
  return recoveredAt - killedAt;
}
