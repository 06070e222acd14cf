/**
 * The Toy Store's client as a load generator (`bazaar load`): C concurrent sessions run N iterations
 * in all; each queries a random toy and, when it is in stock, orders it with probability p. Orders
 * carry an Idempotency-Key and are retried through failovers (503, connection errors) with the same
 * key, so an order is placed at most once. At the end every order placed is fetched back and
 * compared with what was recorded.
 */

export const TOYS = ['Tux', 'Whale', 'Elephant', 'Bird', 'Lego', 'Frisbee', 'Barbie', 'Monopoly', 'Marbles', 'Chess'];

export interface LoadOptions {
  url: string;
  iterations: number;
  concurrency: number;
  /** probability of ordering a toy that is in stock */
  p: number;
  /** PRNG seed (printed, so a run can be repeated) */
  seed: number;
  toys?: string[];
  /** longest one order is retried through failures before it counts as failed (default 15000 ms) */
  retryForMs?: number;
  onProgress?: (done: number) => void;
  /** checked before each iteration: true ends the run early (a scenario runs load until it has seen enough) */
  shouldStop?: () => boolean;
  /** called with each order as it is acknowledged */
  onPlaced?: (p: Placed) => void;
}

export interface Placed {
  number: number;
  name: string;
  quantity: number;
  key: string;
  at: number;
}

export interface Percentiles {
  count: number;
  p50: number;
  p95: number;
  p99: number;
}

export interface LoadReport {
  seed: number;
  durationMs: number;
  queries: Percentiles;
  orders: Percentiles;
  requestsPerSecond: number;
  ordersPerSecond: number;
  outOfStock: number;
  retries: number;
  failures: Record<string, number>;
  mismatches: string[];
  placed: Placed[];
}

/** mulberry32: a small seeded PRNG (the run is repeatable for a seed). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function percentiles(samples: number[]): Percentiles {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => (s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] : 0);
  return { count: s.length, p50: round(at(0.5)), p95: round(at(0.95)), p99: round(at(0.99)) };
}

const round = (x: number) => Math.round(x * 100) / 100;

async function call(url: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(20000) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body };
}

export async function runLoad(o: LoadOptions): Promise<LoadReport> {
  const rand = prng(o.seed);
  const toys = o.toys ?? TOYS;
  const retryFor = o.retryForMs ?? 15000;
  const run = `${o.seed.toString(36)}-${Date.now().toString(36)}`;
  const queryMs: number[] = [];
  const orderMs: number[] = [];
  const failures: Record<string, number> = {};
  const placed: Placed[] = [];
  const fail = (kind: string) => (failures[kind] = (failures[kind] ?? 0) + 1);
  let next = 0;
  let done = 0;
  let outOfStock = 0;
  let retries = 0;
  const started = Date.now();

  const order = async (name: string, key: string): Promise<void> => {
    const t0 = performance.now();
    const until = Date.now() + retryFor;
    for (;;) {
      let r: { status: number; body: any };
      try {
        r = await call(`${o.url}/orders`, {
          method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': key }, body: JSON.stringify({ name, quantity: 1 }),
        });
      } catch (err) {
        r = { status: 0, body: String((err as Error).message) };
      }
      if (r.status === 200) {
        orderMs.push(performance.now() - t0);
        const p: Placed = { number: r.body.data.order_number, name, quantity: 1, key, at: Date.now() };
        placed.push(p);
        o.onPlaced?.(p);
        return;
      }
      if (r.status === 409) {
        outOfStock++;
        return;
      }
      if ((r.status === 0 || r.status === 503) && Date.now() < until) {
        retries++;
        await new Promise((res) => setTimeout(res, 50));
        continue;
      }
      fail(`order ${r.status || 'network'}`);
      return;
    }
  };

  const session = async (sid: number) => {
    for (;;) {
      const i = next++;
      if (i >= o.iterations || o.shouldStop?.()) return;
      const name = toys[Math.floor(rand() * toys.length)];
      const orderIt = rand() < o.p;
      const t0 = performance.now();
      let q: { status: number; body: any };
      try {
        q = await call(`${o.url}/products/${encodeURIComponent(name)}`);
      } catch (err) {
        q = { status: 0, body: String(err) };
      }
      if (q.status === 200) {
        queryMs.push(performance.now() - t0);
        if (q.body.data.quantity > 0 && orderIt) await order(name, `load-${run}-${sid}-${i}`);
      } else {
        fail(`query ${q.status || 'network'}`);
      }
      done++;
      o.onProgress?.(done);
    }
  };

  await Promise.all(Array.from({ length: o.concurrency }, (_, sid) => session(sid)));
  const durationMs = Date.now() - started;

  // Check every order placed against what the server has now.
  const mismatches: string[] = [];
  const seen = new Map<number, string>();
  for (const p of placed) {
    if (seen.has(p.number)) mismatches.push(`order ${p.number} was given to two requests (${seen.get(p.number)} and ${p.key})`);
    seen.set(p.number, p.key);
    let r: { status: number; body: any } = { status: 0, body: null };
    const until = Date.now() + retryFor;
    do {
      try {
        r = await call(`${o.url}/orders/${p.number}`);
      } catch {
        r = { status: 0, body: null };
      }
      if (r.status === 200 || (r.status !== 503 && r.status !== 0)) break;
      await new Promise((res) => setTimeout(res, 100));
    } while (Date.now() < until);
    if (r.status !== 200) mismatches.push(`order ${p.number}: GET answered ${r.status}`);
    else if (r.body.data.name !== p.name || r.body.data.quantity !== p.quantity || r.body.data.number !== p.number) {
      mismatches.push(`order ${p.number}: recorded ${p.name} x${p.quantity}, server has ${JSON.stringify(r.body.data)}`);
    }
  }
  const total = queryMs.length + orderMs.length;
  return {
    seed: o.seed, durationMs, queries: percentiles(queryMs), orders: percentiles(orderMs),
    requestsPerSecond: round(total / (durationMs / 1000)), ordersPerSecond: round(orderMs.length / (durationMs / 1000)),
    outOfStock, retries, failures, mismatches, placed,
  };
}
