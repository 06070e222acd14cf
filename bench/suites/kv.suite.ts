import autocannon from 'autocannon';
import { PeerClient } from '@app/cluster';
import { KV } from '@app/contracts';
import { LocalCluster } from '../../tools/launcher/local-cluster';
import { freePorts } from '../../tools/launcher/ports';
import { CONNECTIONS, describe, DURATION_S, load, round, startServer, type BenchRow } from '../lib';

const KEYS = Number(process.env.BENCH_KV_KEYS ?? 100_000);

/**
 * The kv datastore, on its own 4-node cluster: GET and PUT through the leader and through another node
 * (forwarded), against the bare Node http ceiling of the same run; anti-entropy bytes for one
 * diverged key among 100,000, counted on the sockets, as a fraction of the full state; and the time
 * a restarted (empty) node takes to be refilled.
 */
export async function kvSuite(bareRps: number | undefined): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  if (!bareRps) {
    const [port] = await freePorts(1);
    const bare = await startServer('bare-http', port);
    try {
      const b = await load(`http://127.0.0.1:${port}/lookup/1`);
      console.log(describe('bare node http', b));
      bareRps = b.rps;
      rows.push({ name: 'bare-http.rps', value: round(b.rps, 0), unit: 'req/s' });
    } finally {
      bare.kill();
    }
  }
  const c = await LocalCluster.start({
    'kv-node': 4, gateway: 0, catalog: 0, recovery: 0, prefix: 'bazaar-bench-kv-',
    // periodic anti-entropy off: rounds are run one at a time below, so their bytes are theirs alone
    env: { LOG_LEVEL: 'warn', KV_ANTI_ENTROPY_MS: '600000', FAULTS: 'kv.debug' },
  });
  try {
    let leader = 0;
    while (!leader) {
      leader = (await c.get('/cluster', 'kv-node', 1)).body.leader ?? 0;
      if (!leader) await new Promise((r) => setTimeout(r, 200));
    }
    const other = leader === 1 ? 2 : 1;
    await c.request('PUT', '/kv/bench-key', { app: 'kv-node', id: leader, body: 'hello' });
    const loads: [string, string, number, 'GET' | 'PUT'][] = [
      ['kv.get.leader', '/kv/bench-key', leader, 'GET'],
      ['kv.get.forwarded', '/kv/bench-key', other, 'GET'],
      ['kv.put.leader', '/kv/put-', leader, 'PUT'],
      ['kv.put.forwarded', '/kv/put-', other, 'PUT'],
    ];
    for (const [name, path, id, method] of loads) {
      let n = 0;
      const r = await autocannon({
        url: `${c.url('kv-node', id)}${path}`, method, connections: CONNECTIONS, duration: DURATION_S,
        // puts go to 10,000 different keys: one key's writes are ordered one at a time by design
        ...(method === 'PUT' ? {
          body: '"value"', headers: { 'content-type': 'application/json' },
          requests: [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, path: `${path}${n++ % 10000}` }) }],
        } : {}),
      } as autocannon.Options);
      const rps = r['2xx'] / DURATION_S;
      console.log(`${name.padEnd(34)} ${rps.toFixed(0).padStart(7)} req/s  p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms${r.non2xx ? `  (non-2xx ${r.non2xx})` : ''}`);
      rows.push({ name: `${name}.rps`, value: round(rps, 0), unit: 'req/s', ...(bareRps ? { baseline: 'bare-http.rps', ratio: round(rps / bareRps) } : {}) });
      rows.push({ name: `${name}.p99`, value: r.latency.p99, unit: 'ms' });
    }

    // 100,000 keys, then one anti-entropy round on a node with nothing to repair, and one with one key diverged
    const t0 = Date.now();
    const batch = 250;
    for (let i = 0; i < KEYS; i += batch * 4) {
      await Promise.all([0, 1, 2, 3].map(async (j) => {
        const from = i + j * batch;
        if (from >= KEYS) return;
        const body: Record<string, string> = {};
        for (let k = from; k < Math.min(from + batch, KEYS); k++) body[`key-${k}`] = `value-${k}`;
        for (let attempt = 0; ; attempt++) {
          const r = await c.request('POST', '/', { app: 'kv-node', id: 1 + ((from / batch) % 4), body });
          if (r.status === 200) break;
          if (r.status !== 503 || attempt > 20) throw new Error(`load failed: ${r.status} ${JSON.stringify(r.body)}`);
          await new Promise((res) => setTimeout(res, 200)); // a leader change under load: try again (puts are idempotent)
        }
      }));
    }
    console.log(`loaded ${KEYS} keys in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const node = other;
    const debug = new PeerClient(c.instance('kv-node', node), 60000);
    try {
      await debug.send(KV.DEBUG_AE_ROUND, {}); // settle: replicas that missed writes under load catch up
      const quiet = await debug.send<{ pulled: number; bytes: number }>(KV.DEBUG_AE_ROUND, {});
      let victim = '';
      for (let k = 0; !victim; k++) if ((await debug.send<{ forgot: boolean }>(KV.DEBUG_FORGET, { ns: 'default', key: `key-${k}` })).forgot) victim = `key-${k}`;
      const diverged = await debug.send<{ pulled: number; bytes: number }>(KV.DEBUG_AE_ROUND, {});
      const full = Buffer.byteLength(JSON.stringify((await c.get('/', 'kv-node', node)).body));
      const fraction = diverged.bytes / full;
      console.log(`anti-entropy round with 3 peers, nothing to repair: ${quiet.bytes} bytes; with ${victim} diverged: ${diverged.bytes} bytes, ${diverged.pulled} entry pulled = ${(fraction * 100).toFixed(3)} % of the ${full} bytes of the full state`);
      rows.push(
        { name: 'kv.anti-entropy.quiet-round.bytes', value: quiet.bytes, unit: 'bytes' },
        { name: 'kv.anti-entropy.one-diverged-key.bytes', value: diverged.bytes, unit: 'bytes', baseline: 'kv.full-state.bytes', ratio: round(fraction, 5) },
        { name: 'kv.full-state.bytes', value: full, unit: 'bytes' },
      );
    } finally {
      debug.close();
    }

    await c.kill('kv-node', node);
    const restarted = Date.now();
    await c.restart('kv-node', node);
    const refillMs = Date.now() - restarted;
    console.log(`restarted kv-node refilled with ${KEYS} keys and ready (kill -9, restart, /health 200) in ${refillMs} ms`);
    rows.push({ name: 'kv.refill-after-restart', value: refillMs, unit: 'ms' });
  } finally {
    await c.stop();
  }
  return rows;
}
