import { ADMIN, TestCluster, eventually } from './support/cluster';
import { catalogStore, orderStore, pendingHints } from './support/stores';

describe('recovery service (Bazar routes, hints for catalog and order replicas) and toy restock', () => {
  let c: TestCluster;

  beforeAll(async () => {
    c = await TestCluster.start({ order: 3, env: { RESTOCK_INTERVAL_MS: '500' } });
  });
  afterAll(() => c?.stop());

  const rec = (method: string, path: string, body?: unknown) => c.request(method, path, { body, app: 'recovery', id: 1 });

  it('POST /addBook and /addOrder store updates (201), GET /getUpdates and /getOrder answer them (200); bad bodies 400, other methods 405', async () => {
    expect((await rec('POST', '/addBook', { id: 1, title: 'spring', quantity: 12, cost: 10, topic: 'spring' })).status).toBe(201);
    expect((await rec('POST', '/addOrder', { order_id: 7, book_id: 1 })).status).toBe(201);
    for (const b of [{ id: 'x' }, { id: 1, title: 'a', quantity: -1, cost: 1, topic: 't' }, [1], null]) {
      const r = await rec('POST', '/addBook', b);
      expect([r.status, typeof r.body?.message]).toEqual([400, 'string']);
    }
    expect((await rec('POST', '/addOrder', { order_id: -1, book_id: 1 })).status).toBe(400);
    expect((await rec('GET', '/getUpdates')).body).toEqual([{ id: 1, title: 'spring', quantity: 12, cost: 10, topic: 'spring' }]);
    expect((await rec('GET', '/getOrder')).body).toEqual([{ order_id: 7, book_id: 1 }]);
    expect((await rec('DELETE', '/getUpdates')).status).toBe(405);
    expect((await rec('GET', '/addBook')).status).toBe(405);
  });

  it('a catalog change for a backup that is down is held as a hint (and shown by /getUpdates) until the backup takes it', async () => {
    await c.kill('catalog', 1);
    expect((await c.request('PUT', '/update/price/2', { body: { price: 71 }, headers: ADMIN })).status).toBe(200);
    expect(pendingHints(c, 'catalog', 1)).toBeGreaterThan(0);
    expect((await rec('GET', '/getUpdates')).body).toContainEqual({ id: 2, title: 'RPCs for Dummies', quantity: 199, cost: 71, topic: 'distributed systems' });
    await c.restart('catalog', 1);
    expect(catalogStore(c, 1).items.find((i) => i.id === 2)!.price).toBe(71);
    expect(await eventually(() => pendingHints(c, 'catalog', 1) === 0)).toBe(true);
    expect((await rec('GET', '/getUpdates')).body.some((b: any) => b.id === 2)).toBe(false);
  });

  it('orders for a follower that is down are held as hints (shown by /getOrder); the follower replays them and catches up before it is ready', async () => {
    await c.kill('order', 1);
    const numbers: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await c.request('PUT', '/buy/6');
      expect(r.status).toBe(201);
      numbers.push(r.body.order_id);
    }
    expect(await eventually(() => pendingHints(c, 'order', 1) >= 3)).toBe(true);
    const shown = (await rec('GET', '/getOrder')).body as { order_id: number; book_id: number }[];
    for (const n of numbers) expect(shown).toContainEqual({ order_id: n, book_id: 6 });
    await c.restart('order', 1); // returns once ready: hints replayed, then caught up from the leader
    expect(orderStore(c, 1)).toEqual(orderStore(c, 3));
    expect(orderStore(c, 1).map((o) => o.number)).toEqual(expect.arrayContaining(numbers));
    expect(await eventually(() => pendingHints(c, 'order', 1) === 0)).toBe(true);
    expect(c.log('order', 1)).toMatch(/applied hints/);
  });

  it('a follower paused (SIGSTOP) while the leader writes gets what was hinted for it once it is back, with no write after it; the hints go', async () => {
    await c.kill('order', 1, 'SIGSTOP');
    const r = await c.request('PUT', '/buy/6'); // the leader and #2 make the majority
    expect(r.status).toBe(201);
    expect(await eventually(() => pendingHints(c, 'order', 1) > 0, 10000)).toBe(true);
    await c.kill('order', 1, 'SIGCONT');
    // it never restarted, so it does not drain hints itself: the leader must notice and send them
    expect(await eventually(() => orderStore(c, 1).some((o) => o.number === r.body.order_id), 10000)).toBe(true);
    expect(await eventually(() => pendingHints(c, 'order', 1) === 0, 10000)).toBe(true);
    expect(await eventually(() => JSON.stringify(orderStore(c, 1)) === JSON.stringify(orderStore(c, 3)), 10000)).toBe(true);
  });

  it('every RESTOCK_INTERVAL_MS the primary puts each toy at 0 back to 100, on both replicas, and the gateway sees it', async () => {
    expect((await c.request('PUT', '/update/item/8', { body: { quantity: 0 }, headers: ADMIN })).status).toBe(200);
    // the timer may already have run between the PUT and this read (every 500 ms): 0 or 100, never the old stock
    expect([0, 100]).toContain((await c.get('/products/Tux')).body.data.quantity);
    expect(await eventually(async () => (await c.get('/products/Tux')).body.data.quantity === 100, 5000)).toBe(true);
    for (const id of [1, 2]) {
      expect(catalogStore(c, id).items.find((i) => i.id === 8)!.quantity).toBe(100);
      // the ledger shows the order: the admin change to 0, then one restock of +100 after it
      const changes = c.query('catalog', id, (db) =>
        db.prepare("SELECT cause, delta, seq FROM stock_changes WHERE itemId = 8 AND (cause LIKE 'admin:%' OR cause LIKE 'restock:%') ORDER BY seq").all(),
      ) as { cause: string; delta: number; seq: number }[];
      const last = changes.slice(-2);
      expect(last.map((x) => x.cause.split(':')[0])).toEqual(['admin', 'restock']);
      expect(last[1].delta).toBe(100);
      expect(last[1].seq).toBeGreaterThan(last[0].seq);
    }
    // books are not restocked
    expect((await c.request('PUT', '/update/item/1', { body: { quantity: 0 }, headers: ADMIN })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1200));
    expect((await c.get('/lookup/1')).body.quantity).toBe(0);
  });
});
