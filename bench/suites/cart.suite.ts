import autocannon from 'autocannon';
import { movement } from '@app/hashing';
import { ADMIN, LocalCluster } from '../../tools/launcher/local-cluster';
import { CONNECTIONS, DURATION_S, round, type BenchRow } from '../lib';

/**
 * The cart store on its own cluster (4 kv-nodes, 2 cart-gateways, recovery): addtocart and get-user
 * through one cart-gateway; placement movement when a member leaves or joins, against the optimum —
 * computed over 20,000 keys, and measured on the live store over the keys it holds.
 */
export async function cartSuite(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const ks = Array.from({ length: 20000 }, (_, i) => `user:${i}@example.com`);
  const four = [1, 2, 3, 4].map((id) => ({ id, weight: 1 }));
  const five = [...four, { id: 5, weight: 1 }];
  const join = movement(ks, four, five, 3);
  const leave = movement(ks, four, four.slice(0, 3), 3);
  console.log(`placement movement, 20,000 keys, N=3: 4→5 members ${join.ratio.toFixed(3)}× optimal, 4→3 ${leave.ratio.toFixed(3)}× optimal`);
  rows.push({ name: 'cart.placement.join.ratio', value: round(join.ratio), unit: 'ratio to optimal' }, { name: 'cart.placement.leave.ratio', value: round(leave.ratio), unit: 'ratio to optimal' });

  const c = await LocalCluster.start({ 'kv-node': 4, 'cart-gateway': 2, recovery: 1, gateway: 0, catalog: 0, env: { LOG_LEVEL: 'warn' }, prefix: 'bazaar-bench-cart-' });
  try {
    const url = c.url('cart-gateway', 1);
    await c.request('POST', '/createuser', { app: 'cart-gateway', id: 1, body: { email: 'bench@example.com' } });
    for (const [name, opts] of [
      ['cart.addtocart', { url: `${url}/addtocart`, method: 'POST', body: JSON.stringify({ email: 'bench@example.com', cart: { Tux: 1 } }), headers: { 'content-type': 'application/json' } }],
      ['cart.get-user', { url: `${url}/user?email=bench@example.com` }],
    ] as const) {
      const r = await autocannon({ ...opts, connections: CONNECTIONS, duration: DURATION_S } as autocannon.Options);
      const rps = r['2xx'] / DURATION_S;
      console.log(`${name.padEnd(34)} ${rps.toFixed(0).padStart(7)} req/s  p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms${r.non2xx ? `  (non-2xx ${r.non2xx})` : ''}`);
      rows.push({ name: `${name}.rps`, value: round(rps, 0), unit: 'req/s' }, { name: `${name}.p99`, value: r.latency.p99, unit: 'ms' });
    }
    const adds = (await c.request('GET', '/user?email=bench@example.com', { app: 'cart-gateway', id: 2 })).body.cart.Tux;
    console.log(`after the load the cart holds Tux × ${adds} (every acknowledged add)`);
    for (let i = 0; i < 500; i++) await c.request('POST', '/product', { app: 'cart-gateway', id: 1, body: { name: `p${i}`, quantity: 1 } });
    const left = (await c.request('POST', '/members/4/leave', { app: 'cart-gateway', id: 1, headers: ADMIN })).body;
    const back = (await c.request('POST', '/members/4/join', { app: 'cart-gateway', id: 1, headers: ADMIN })).body;
    console.log(`live store, ${left.keys} keys: leave moved ${left.moved} replica assignments (${left.ratio}× optimal), join moved ${back.moved} (${back.ratio}× optimal)`);
    rows.push({ name: 'cart.live.leave.ratio', value: left.ratio, unit: 'ratio to optimal' }, { name: 'cart.live.join.ratio', value: back.ratio, unit: 'ratio to optimal' });
  } finally {
    await c.stop();
  }
  return rows;
}
