import { PeerClient } from '@app/cluster';
import { ErrorCode, ORDER, type Term } from '@app/contracts';
import { runLoad } from '../../tools/load/load-client';
import { TestCluster, eventually } from './support/cluster';
import { catalogStore, orderStore, ordersAgreeWithStock } from './support/stores';

async function orderRoles(c: TestCluster, gateway = 1): Promise<Record<number, { role: string; term: Term | null; healthy: boolean }>> {
  const r = await c.get('/cluster', 'gateway', gateway);
  return Object.fromEntries(r.body.services.filter((s: any) => s.app === 'order').map((s: any) => [s.id, s]));
}

async function leaderId(c: TestCluster, gateway = 1): Promise<number> {
  return eventually(async () => {
    const roles = await orderRoles(c, gateway);
    const l = Object.entries(roles).find(([, s]) => s.role === 'leader' && s.healthy);
    return l ? Number(l[0]) : 0;
  }, 15000);
}

describe.each([
  ['order.crash-after-decrement', 'the stock is taken, no order exists yet'],
  ['order.crash-after-commit', 'the order is confirmed on the leader only'],
  ['order.crash-after-replicate-one', 'the order is on the leader and one follower'],
])('order leader killed at fault point %s (%s)', (fault) => {
  let c: TestCluster;

  beforeAll(async () => {
    c = await TestCluster.start({ order: 3, envFor: (i) => (i.app === 'order' && i.id === 3 ? { FAULTS: fault } : undefined) });
  });
  afterAll(() => c?.stop());

  it('the buy still succeeds once (through the new leader), and after recovery stock and orders agree on every replica', async () => {
    expect(await leaderId(c)).toBe(3);
    const r = await c.request('POST', '/orders', { body: { name: 'Tux', quantity: 2 }, headers: { 'idempotency-key': `fault-${fault}` } });
    expect(r).toMatchObject({ status: 200, body: { data: { order_number: 0 } } });
    expect(c.runner.isRunning('order', 3)).toBe(false); // the fault point did kill it
    expect(await leaderId(c)).not.toBe(3);
    // the client retries too: still the same order
    const again = await c.request('POST', '/orders', { body: { name: 'Tux', quantity: 2 }, headers: { 'idempotency-key': `fault-${fault}` } });
    expect(again.body).toEqual(r.body);

    await c.restart('order', 3, { FAULTS: '' });
    const problems = await eventually(() => {
      const p = ordersAgreeWithStock(c, [1, 2, 3], [1, 2]);
      return p.length === 0 ? p : null;
    }, 20000);
    expect(problems).toEqual([]);
    expect(orderStore(c, 3)).toEqual([expect.objectContaining({ number: 0, name: 'Tux', quantity: 2 })]);
    for (const id of [1, 2]) expect(catalogStore(c, id).items.find((i) => i.title === 'Tux')!.quantity).toBe(98);
    expect(await c.get('/orders/0')).toMatchObject({ status: 200, body: { data: { number: 0, name: 'Tux', quantity: 2 } } });
  });
});

describe('order leader killed with kill -9 while bazaar load runs', () => {
  let c: TestCluster;

  beforeAll(async () => {
    c = await TestCluster.start({ order: 3, env: { RESTOCK_INTERVAL_MS: '1000' } });
  });
  afterAll(() => c?.stop());

  it('orders resume after failover; every acknowledged order is readable and unchanged, none duplicated; stock is conserved', async () => {
    const leader = await leaderId(c);
    const load = runLoad({ url: c.url(), iterations: 3000, concurrency: 8, p: 0.8, seed: 677 });
    await eventually(() => orderStore(c, leader).length >= 30, 20000);
    const killedAt = Date.now();
    await c.kill('order', leader);
    const report = await load;

    expect(report.mismatches).toEqual([]);
    expect(report.failures).toEqual({});
    const numbers = report.placed.map((p) => p.number);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(report.placed.filter((p) => p.at < killedAt).length).toBeGreaterThan(0);
    // orders resumed: acknowledged well after the kill, so by the new leader
    expect({ after: report.placed.filter((p) => p.at > killedAt + 200).length > 0, report: report.placed.length }).toMatchObject({ after: true });
    const next = await leaderId(c);
    expect(next).not.toBe(leader);

    // the killed replica returns, catches up, and holds exactly the leader's orders
    await c.restart('order', leader);
    const alive = [1, 2, 3];
    expect(await eventually(() => JSON.stringify(orderStore(c, leader)) === JSON.stringify(orderStore(c, next)), 20000)).toBe(true);
    const placedByNumber = new Map(report.placed.map((p) => [p.number, p]));
    for (const o of orderStore(c, next)) {
      const p = placedByNumber.get(o.number);
      if (p) expect([o.name, o.quantity]).toEqual([p.name, p.quantity]);
    }
    expect(await eventually(() => ordersAgreeWithStock(c, alive, [1, 2]).length === 0, 20000)).toBe(true);

    // initial + restocked - ordered = current, per toy, on every catalog replica
    const orders = orderStore(c, next);
    for (const cid of [1, 2]) {
      const restocked = c.query('catalog', cid, (db) => db.prepare(
        "SELECT itemId, SUM(delta) AS total FROM stock_changes WHERE cause LIKE 'restock:%' GROUP BY itemId").all() as { itemId: number; total: number }[]);
      const byItem = new Map(restocked.map((r) => [r.itemId, r.total]));
      for (const it of catalogStore(c, cid).items.filter((i) => i.kind === 'toy')) {
        const ordered = orders.filter((o) => o.itemId === it.id).reduce((s, o) => s + o.quantity, 0);
        expect({ toy: it.id, stock: 100 + (byItem.get(it.id) ?? 0) - ordered }).toEqual({ toy: it.id, stock: it.quantity });
      }
    }
  });

  it('with the recovery service killed, buys still work', async () => {
    await c.kill('recovery', 1);
    const r = await c.request('POST', '/orders', { body: { name: 'Chess', quantity: 1 } });
    expect(r.status).toBe(200);
    const b = await c.request('PUT', '/buy/1');
    expect(b.status).toBe(201);
    const leader = await leaderId(c);
    expect(orderStore(c, leader).some((o) => o.number === b.body.order_id)).toBe(true);
    await c.restart('recovery', 1);
  });
});

describe('two gateways that disagree for a moment cannot both take orders', () => {
  let c: TestCluster;

  beforeAll(async () => {
    c = await TestCluster.start({ order: 3, gateway: 2 });
  });
  afterAll(() => c?.stop());

  it('a leader paused through an election is fenced when it resumes: its old term is refused and it steps down', async () => {
    const old = await leaderId(c, 1);
    expect(await leaderId(c, 2)).toBe(old);
    const oldTerm = (await orderRoles(c))[old].term!;
    await c.kill('order', old, 'SIGSTOP');
    // both gateways see the leader stop answering; each may elect: replicas obey only the newest term
    const [a, b] = await Promise.all([
      c.request('POST', '/orders', { body: { name: 'Bird', quantity: 1 } }),
      c.request('POST', '/orders', { body: { name: 'Bird', quantity: 1 }, app: 'gateway', id: 2 }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const g1 = await c.request('POST', '/orders', { body: { name: 'Bird', quantity: 1 } });
    const g2 = await c.request('POST', '/orders', { body: { name: 'Bird', quantity: 1 }, app: 'gateway', id: 2 });
    expect([g1.status, g2.status]).toEqual([200, 200]);
    await c.kill('order', old, 'SIGCONT');

    const stale = new PeerClient(c.instance('order', old));
    try {
      await expect(stale.send(ORDER.BUY, { itemId: 1, quantity: 1, idempotencyKey: 'stale-leader', term: oldTerm }, 5000))
        .rejects.toMatchObject({ code: expect.stringMatching(new RegExp(`${ErrorCode.STALE_TERM}|${ErrorCode.NOT_LEADER}|${ErrorCode.UNAVAILABLE}`)) });
    } finally {
      stale.close();
    }
    const roles = await eventually(async () => {
      const r = await orderRoles(c);
      return r[old].role === 'follower' && r[old].healthy ? r : null;
    }, 15000);
    const leaders = Object.values(roles!).filter((s) => s.role === 'leader');
    expect(leaders).toHaveLength(1);
    expect(leaders[0].term!.counter).toBeGreaterThan(oldTerm.counter);
    expect(await eventually(() => ordersAgreeWithStock(c, [1, 2, 3], [1, 2]).length === 0, 20000)).toBe(true);
    // whatever the paused leader did before it learnt the new term, nothing is duplicated or lost
    expect(orderStore(c, 1).filter((o) => o.orderId === 'idem:stale-leader').length).toBeLessThanOrEqual(1);
  });
});
