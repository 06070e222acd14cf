import { freePorts } from '../../tools/launcher/ports';
import { describe, load, round, startServer, type BenchRow } from '../lib';

/**
 * Cached GET /lookup/:id through the gateway against bare Node http and a Nest + Fastify hello-world
 * answering the same JSON, with the same load generator and connections, in one run.
 */
export async function lookupSuite(gatewayUrl: string): Promise<BenchRow[]> {
  const [barePort, nestPort] = await freePorts(2);
  const bare = await startServer('bare-http', barePort);
  const nest = await startServer('nest-hello', nestPort);
  try {
    await fetch(`${gatewayUrl}/lookup/1`); // fill the cache
    const b = await load(`http://127.0.0.1:${barePort}/lookup/1`);
    console.log(describe('bare node http', b));
    const n = await load(`http://127.0.0.1:${nestPort}/lookup/1`);
    console.log(describe('nest + fastify hello-world', n));
    const g = await load(`${gatewayUrl}/lookup/1`);
    console.log(describe('gateway GET /lookup/1 (cached)', g));
    if (g.non2xx || g.errors) throw new Error('the gateway answered errors under load');
    console.log(`ratio to bare: nest ${round(n.rps / b.rps, 2)}×, gateway ${round(g.rps / b.rps, 2)}×; gateway p99 ${round(g.p99 / Math.max(b.p99, 1), 2)}× bare p99`);
    return [
      { name: 'bare-http.rps', value: round(b.rps, 0), unit: 'req/s' },
      { name: 'bare-http.p50', value: b.p50, unit: 'ms' },
      { name: 'bare-http.p99', value: b.p99, unit: 'ms' },
      { name: 'nest-fastify-hello.rps', value: round(n.rps, 0), unit: 'req/s', baseline: 'bare-http.rps', ratio: round(n.rps / b.rps) },
      { name: 'nest-fastify-hello.p99', value: n.p99, unit: 'ms', baseline: 'bare-http.p99', ratio: round(n.p99 / Math.max(b.p99, 1)) },
      { name: 'gateway.lookup-cached.rps', value: round(g.rps, 0), unit: 'req/s', baseline: 'bare-http.rps', ratio: round(g.rps / b.rps) },
      { name: 'gateway.lookup-cached.p50', value: g.p50, unit: 'ms', baseline: 'bare-http.p50', ratio: round(g.p50 / Math.max(b.p50, 1)) },
      { name: 'gateway.lookup-cached.p99', value: g.p99, unit: 'ms', baseline: 'bare-http.p99', ratio: round(g.p99 / Math.max(b.p99, 1)) },
      { name: 'gateway.lookup-cached.vs-nest-hello', value: round(g.rps / n.rps), unit: 'ratio', baseline: 'nest-fastify-hello.rps', ratio: round(g.rps / n.rps) },
    ];
  } finally {
    bare.kill();
    nest.kill();
  }
}
