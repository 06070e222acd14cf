import autocannon from 'autocannon';
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  /** the name of the row this one is compared with, when it has one */
  baseline?: string;
  /** value / baseline value (for latencies, baseline / value is not used: the ratio is plain) */
  ratio?: number;
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/** Connections and duration of every HTTP load in the run (BENCH_CONNECTIONS, BENCH_DURATION_S). */
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
export const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);

export async function load(url: string, opts: Partial<autocannon.Options> = {}): Promise<LoadResult> {
  const r = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, ...opts });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors };
}

/** Starts a bench server (compiled under dist/bench/servers) in its own process and waits for it. */
export function startServer(name: string, port: number): Promise<ChildProcess> {
  const child = fork(join(__dirname, 'servers', `${name}.js`), [String(port)], { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
  });
}

export function describe(name: string, r: LoadResult): string {
  return `${name.padEnd(34)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${String(r.p50).padStart(3)} ms  p99 ${String(r.p99).padStart(3)} ms${r.non2xx || r.errors ? `  (non-2xx ${r.non2xx}, errors ${r.errors})` : ''}`;
}

export const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
