import type { HistoryEvent } from '@app/consistency';

/**
 * Concurrent clients recording a history of put/get/delete on a few keys through random kv-nodes,
 * for the linearizability checker. A write that fails or times out is recorded as indeterminate.
 */
export function recordHistory(opts: { urls: () => string[]; keys: string[]; clients: number; timeoutMs?: number }) {
  const history: HistoryEvent[] = [];
  let stop = false;
  let counter = 0;
  const t0 = performance.now();
  const startedAt = Date.now();
  const now = () => performance.now() - t0;
  const client = async (c: number) => {
    const name = `c${c}`;
    let seed = c * 7919 + 1;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296);
    while (!stop) {
      const urls = opts.urls();
      const url = urls[Math.floor(rand() * urls.length)];
      const key = opts.keys[Math.floor(rand() * opts.keys.length)];
      const r = rand();
      const kind = r < 0.45 ? 'put' : r < 0.9 ? 'get' : 'delete';
      const value = `${name}-${++counter}`;
      const call = now();
      try {
        const res = await fetch(`${url}/kv/${encodeURIComponent(key)}`, {
          method: kind === 'put' ? 'PUT' : kind === 'get' ? 'GET' : 'DELETE',
          headers: kind === 'put' ? { 'content-type': 'application/json' } : {},
          body: kind === 'put' ? JSON.stringify(value) : undefined,
          signal: AbortSignal.timeout(opts.timeoutMs ?? 3000),
        });
        const text = await res.text();
        const ret = now();
        // an error the node marks as certainly not applied constrains nothing
        if (res.status !== 200 && res.status !== 404 && res.headers.get('x-bazaar-applied') === 'no') continue;
        if (kind === 'put') history.push({ client: name, op: { kind, key, value }, call, ret, out: { ok: res.status === 200 }, via: url });
        else if (kind === 'get') {
          if (res.status === 200) history.push({ client: name, op: { kind, key }, call, ret, out: { ok: true, found: true, value: JSON.parse(text) }, via: url });
          else if (res.status === 404) history.push({ client: name, op: { kind, key }, call, ret, out: { ok: true, found: false }, via: url });
          // other answers: the get failed and constrains nothing
        } else {
          history.push({ client: name, op: { kind, key }, call, ret, out: res.status === 200 ? { ok: true, existed: true } : res.status === 404 ? { ok: true, existed: false } : { ok: false }, via: url });
        }
      } catch (err) {
        // refused connection: the request never reached a node, so it certainly did not happen;
        // anything else (a timeout, a reset mid-request) may have: indeterminate
        const refused = String((err as { cause?: { code?: string } }).cause?.code) === 'ECONNREFUSED';
        if (kind !== 'get' && !refused) history.push({ client: name, op: kind === 'put' ? { kind, key, value } : { kind, key }, call });
      }
    }
  };
  const running = Array.from({ length: opts.clients }, (_, c) => client(c));
  return {
    history,
    startedAt,
    stop: async () => {
      stop = true;
      await Promise.all(running);
      return history;
    },
  };
}
