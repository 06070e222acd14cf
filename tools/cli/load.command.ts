import { SingleBar, Presets } from 'cli-progress';
import { writeFileSync } from 'node:fs';
import { runLoad, type LoadReport } from '../load/load-client';

export interface LoadCommandOptions {
  url: string;
  iterations: string;
  concurrency: string;
  probability: string;
  seed?: string;
  json?: string;
}

export async function loadCommand(opts: LoadCommandOptions): Promise<void> {
  const iterations = int(opts.iterations, 'iterations', 1);
  const concurrency = int(opts.concurrency, 'concurrency', 1);
  const p = Number(opts.probability);
  if (!(p >= 0 && p <= 1)) throw new Error('--probability must be between 0 and 1');
  const seed = opts.seed !== undefined ? int(opts.seed, 'seed', 0) : Math.floor(Math.random() * 2 ** 31);
  console.log(`bazaar load: ${iterations} iterations, ${concurrency} sessions, p=${p}, seed ${seed}, against ${opts.url}`);
  const bar = new SingleBar({ format: ' {bar} {percentage}% | {value}/{total} iterations | {eta}s left', hideCursor: true }, Presets.shades_classic);
  bar.start(iterations, 0);
  const report = await runLoad({ url: opts.url.replace(/\/$/, ''), iterations, concurrency, p, seed, onProgress: (d) => bar.update(d) });
  bar.stop();
  print(report);
  if (opts.json) writeFileSync(opts.json, JSON.stringify(report, null, 2));
  if (report.mismatches.length) process.exitCode = 2;
}

function int(raw: string, name: string, min: number): number {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}`);
  return n;
}

function print(r: LoadReport): void {
  const line = (name: string, x: LoadReport['queries']) => `  ${name.padEnd(8)} ${String(x.count).padStart(7)}   p50 ${x.p50} ms   p95 ${x.p95} ms   p99 ${x.p99} ms`;
  console.log(`\ndone in ${(r.durationMs / 1000).toFixed(1)} s (seed ${r.seed})`);
  console.log(line('queries', r.queries));
  console.log(line('orders', r.orders));
  console.log(`  throughput ${r.requestsPerSecond} req/s, ${r.ordersPerSecond} orders/s; out of stock ${r.outOfStock}; retried ${r.retries}`);
  const kinds = Object.entries(r.failures);
  console.log(`  failures: ${kinds.length ? kinds.map(([k, n]) => `${k} ×${n}`).join(', ') : 'none'}`);
  console.log(`  mismatches: ${r.mismatches.length}`);
  for (const m of r.mismatches.slice(0, 20)) console.log(`    ${m}`);
}
