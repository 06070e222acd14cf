import fc from 'fast-check';
import { checkLinearizable, type HistoryEvent } from './linearizability';

const put = (client: string, key: string, value: string, call: number, ret?: number, ok = true): HistoryEvent =>
  ({ client, op: { kind: 'put', key, value }, call, ret, out: ret === undefined ? undefined : { ok } });
const get = (client: string, key: string, call: number, ret: number, value?: string): HistoryEvent =>
  ({ client, op: { kind: 'get', key }, call, ret, out: value === undefined ? { ok: true, found: false } : { ok: true, found: true, value } });
const del = (client: string, key: string, call: number, ret: number, existed: boolean): HistoryEvent =>
  ({ client, op: { kind: 'delete', key }, call, ret, out: { ok: true, existed } });

describe(checkLinearizable.name, () => {
  it('accepts a sequential history', () => {
    const h = [put('a', 'k', '1', 0, 1), get('a', 'k', 2, 3, '1'), del('a', 'k', 4, 5, true), get('a', 'k', 6, 7), del('a', 'k', 8, 9, false)];
    expect(checkLinearizable(h).verdict).toBe('linearizable');
  });

  it('overlapping puts: a later read may see either, but not a value never written', () => {
    const base = [put('a', 'k', '1', 0, 10), put('b', 'k', '2', 5, 15)];
    expect(checkLinearizable([...base, get('c', 'k', 20, 21, '1')]).verdict).toBe('linearizable');
    expect(checkLinearizable([...base, get('c', 'k', 20, 21, '2')]).verdict).toBe('linearizable');
    expect(checkLinearizable([...base, get('c', 'k', 20, 21, '3')]).verdict).toBe('not-linearizable');
  });

  it('rejects a stale read after a newer write completed', () => {
    const h = [put('a', 'k', '1', 0, 1), put('a', 'k', '2', 2, 3), get('b', 'k', 4, 5, '1')];
    const r = checkLinearizable(h);
    expect(r.verdict).toBe('not-linearizable');
    expect(r.keys[0].detail).toMatch(/longest linearizable prefix/);
  });

  it('rejects the new-old inversion: two reads in sequence during a write see new then old', () => {
    const h = [put('a', 'k', '0', 0, 1), put('w', 'k', '1', 2, 20), get('r1', 'k', 3, 4, '1'), get('r2', 'k', 5, 6, '0')];
    expect(checkLinearizable(h).verdict).toBe('not-linearizable');
    // the same reads in the other order are fine
    const ok = [put('a', 'k', '0', 0, 1), put('w', 'k', '1', 2, 20), get('r1', 'k', 3, 4, '0'), get('r2', 'k', 5, 6, '1')];
    expect(checkLinearizable(ok).verdict).toBe('linearizable');
  });

  it('treats a timed-out write as indeterminate: it may or may not have happened, but not both', () => {
    const timedOut = put('a', 'k', '5', 0);
    expect(checkLinearizable([timedOut, get('b', 'k', 10, 11, '5')]).verdict).toBe('linearizable');
    expect(checkLinearizable([timedOut, get('b', 'k', 10, 11)]).verdict).toBe('linearizable');
    expect(checkLinearizable([timedOut, get('b', 'k', 10, 11, '5'), get('b', 'k', 12, 13)]).verdict).toBe('not-linearizable');
    // a write that answered an error is indeterminate too
    expect(checkLinearizable([put('a', 'k', '6', 0, 1, false), get('b', 'k', 10, 11, '6')]).verdict).toBe('linearizable');
  });

  it('checks the existed answer of a delete', () => {
    expect(checkLinearizable([del('a', 'k', 0, 1, true)]).verdict).toBe('not-linearizable');
    expect(checkLinearizable([put('a', 'k', 'x', 0, 1), del('a', 'k', 2, 3, false)]).verdict).toBe('not-linearizable');
  });

  it('checks keys separately and names the bad one', () => {
    const h = [put('a', 'good', '1', 0, 1), get('a', 'good', 2, 3, '1'), put('a', 'bad', '1', 0, 1), get('a', 'bad', 2, 3, '2')];
    const r = checkLinearizable(h);
    expect(r.verdict).toBe('not-linearizable');
    expect(r.keys.map((k) => [k.key, k.verdict])).toEqual([['bad', 'not-linearizable'], ['good', 'linearizable']]);
  });

  it('answers unknown when the search hits its bound', () => {
    const h: HistoryEvent[] = [];
    for (let i = 0; i < 6; i++) h.push(put(`c${i}`, 'k', String(i), 0, 100));
    h.push(get('r', 'k', 200, 201, '0'));
    expect(checkLinearizable(h, { maxSteps: 1 }).verdict).toBe('unknown');
    expect(checkLinearizable(h).verdict).toBe('linearizable');
  });

  /** Runs a random sequence of operations against a reference map and records a history whose intervals overlap. */
  function simulate(ops: { client: number; kind: 'put' | 'get' | 'delete'; key: number; value: number; widen: number }[]): HistoryEvent[] {
    const store = new Map<string, string>();
    return ops.map((o, i) => {
      const key = `k${o.key}`;
      // the operation takes effect at time 10*i; its interval starts up to `widen` earlier and ends after
      const at = 10 * i;
      const call = at - o.widen;
      const ret = at + 1 + o.widen;
      const client = `c${i}`;
      if (o.kind === 'put') {
        store.set(key, String(o.value));
        return put(client, key, String(o.value), call, ret);
      }
      if (o.kind === 'delete') {
        const existed = store.delete(key);
        return del(client, key, call, ret, existed);
      }
      return get(client, key, call, ret, store.get(key));
    });
  }
  const opsArb = fc.array(fc.record({
    client: fc.nat(4), kind: fc.constantFrom('put' as const, 'get' as const, 'delete' as const),
    key: fc.nat(2), value: fc.nat(3), widen: fc.nat(25),
  }), { minLength: 1, maxLength: 40 });

  it('accepts every history of a correct register, however the intervals overlap', () => {
    fc.assert(fc.property(opsArb, (ops) => checkLinearizable(simulate(ops)).verdict === 'linearizable'));
  });

  it('rejects such a history once one read answers a value never written', () => {
    fc.assert(fc.property(opsArb.filter((ops) => ops.some((o) => o.kind === 'get')), (ops) => {
      const h = simulate(ops);
      const i = h.findIndex((e) => e.op.kind === 'get');
      h[i] = { ...h[i], out: { ok: true, found: true, value: 'never-written' } };
      return checkLinearizable(h).verdict === 'not-linearizable';
    }));
  });

  it('checks 2,000 operations over 20 keys with up to 5 concurrent clients within the default bound', () => {
    const rand = (() => {
      let a = 42;
      return () => ((a = (a * 1103515245 + 12345) >>> 0) / 4294967296);
    })();
    const ops = Array.from({ length: 2000 }, () => ({
      client: Math.floor(rand() * 5), kind: (['put', 'get', 'get', 'delete'] as const)[Math.floor(rand() * 4)],
      key: Math.floor(rand() * 20), value: Math.floor(rand() * 5), widen: Math.floor(rand() * 40),
    }));
    const started = Date.now();
    const r = checkLinearizable(simulate(ops as never));
    expect(r.verdict).toBe('linearizable');
    expect(r.keys).toHaveLength(20);
    void started;
  });
});
