import { ADMIN, TestCluster, eventually } from './support/cluster';
import { SEED_ITEMS } from '../../apps/catalog/src/items/seed';

const BAD = 'bad request can not handle the request due to invaled data';

/** What a replica's store holds: every item row and the length of its log. */
function storeState(c: TestCluster, id: number) {
  return c.query('catalog', id, (db) => ({
    items: db.prepare('SELECT id, title, topic, price, quantity, version FROM items ORDER BY id').all(),
    log: (db.prepare('SELECT COUNT(*) AS n FROM replication_log').get() as { n: number }).n,
    stock: db.prepare('SELECT itemId, SUM(delta) AS total FROM stock_changes GROUP BY itemId ORDER BY itemId').all(),
  }));
}

describe('Bazar and Toy Store catalog routes through the gateway (real cluster)', () => {
  let c: TestCluster;

  beforeAll(async () => {
    c = await TestCluster.start({ gateway: 1, catalog: 2, recovery: 1 });
  });
  afterAll(() => c?.stop());

  it('a fresh data directory holds the seed data of CONTRACTS.md on both replicas', async () => {
    for (const id of [1, 2]) {
      const items = c.query('catalog', id, (db) => db.prepare('SELECT id, title, topic, price, quantity FROM items ORDER BY id').all());
      expect(items).toEqual(SEED_ITEMS.map(({ id: i, title, topic, price, quantity }) => ({ id: i, title, topic, price, quantity })));
    }
    const first = await c.get('/lookup/1');
    expect(first).toMatchObject({ status: 200, body: { id: 1, title: 'How to get a good grade in DOS in 20 minutes a day', topic: 'distributed systems', cost: 9000, quantity: 77 } });
  });

  it('GET /lookup/:id answers the item, 404 for an unknown id and 400 for an id that is not a positive integer', async () => {
    expect((await c.get('/lookup/2')).body).toEqual({ id: 2, title: 'RPCs for Dummies', topic: 'distributed systems', cost: 70, quantity: 199 });
    expect(await c.get('/lookup/999')).toMatchObject({ status: 404, body: { message: 'There is no book with this ID' } });
    for (const odd of ['abc', '-1', '0', '1.5', '01', '1e3', '%20', '99999999999999999999']) {
      const r = await c.get(`/lookup/${odd}`);
      expect([r.status, typeof r.body.message]).toEqual([400, 'string']);
    }
  });

  it('GET /search/:topic answers every item of the exact, URL-decoded topic, 404 otherwise', async () => {
    const r = await c.get('/search/graduate%20school');
    expect(r.status).toBe(200);
    expect(r.body).toEqual([
      { id: 3, title: 'Xen and the Art of Surviving Graduate School', topic: 'graduate school', cost: 69, quantity: 74 },
      { id: 4, title: 'Cooking for the Impatient Graduate Student', topic: 'graduate school', cost: 15, quantity: 20 },
    ]);
    expect(await c.get('/search/graduate')).toMatchObject({ status: 404, body: { message: 'There are no books under this topic' } });
    expect(await c.get('/search/network')).toMatchObject({ status: 404, body: { message: 'There are no books under this topic' } });
  });

  it('GET /products/:name answers a toy in the Toy Store shape, 404 in its error shape', async () => {
    expect(await c.get('/products/Tux')).toMatchObject({ status: 200, body: { data: { name: 'Tux', price: 15.99, quantity: 100 } } });
    expect(await c.get('/products/Unicorn')).toMatchObject({ status: 404, body: { error: { code: 404, message: 'product not found' } } });
    // books are not toys
    expect((await c.get('/products/RPCs%20for%20Dummies')).status).toBe(404);
  });

  it('PUT /update/price/:id needs the admin token: 401 without it or with a wrong one, and nothing changes', async () => {
    const before = storeState(c, 1);
        for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: 'Basic xyz' }, { authorization: `Bearer ${'local-admin-token'}x` }] as Record<string, string>[]) {
      const r = await c.request('PUT', '/update/price/1', { body: { price: 1 }, headers });
      expect(r.status).toBe(401);
      expect(typeof r.body.message).toBe('string');
    }
    expect((await c.request('PUT', '/update/item/1', { body: { quantity: 1 } })).status).toBe(401);
    expect((await c.request('DELETE', '/invalidate/1')).status).toBe(401);
    expect(storeState(c, 1)).toEqual(before);
  });

  it('after PUT /update/price the next lookup shows the new price, and both replicas hold it', async () => {
    expect((await c.get('/lookup/5')).body.cost).toBe(88); // now cached
    const r = await c.request('PUT', '/update/price/5', { body: { price: 99.5 }, headers: ADMIN });
    expect(r).toMatchObject({ status: 200, body: { id: 5, title: 'How to finish Project 3 on time', topic: 'time management', cost: 99.5, quantity: 18 } });
    expect((await c.get('/lookup/5')).body.cost).toBe(99.5);
    for (const id of [1, 2]) {
      const row = c.query('catalog', id, (db) => db.prepare('SELECT price, version FROM items WHERE id = 5').get());
      expect(row).toEqual({ price: 99.5, version: 2 });
      expect((await c.get('/items/5', 'catalog', id)).body).toMatchObject({ price: 99.5, version: 2 });
    }
  });

  it('PUT /update/item/:id sets the absolute stock on both replicas and records the change in the stock ledger', async () => {
    const r = await c.request('PUT', '/update/item/6', { body: { quantity: 12 }, headers: ADMIN });
    expect(r).toMatchObject({ status: 200, body: { id: 6, quantity: 12, cost: 28 } });
    expect((await c.get('/lookup/6')).body.quantity).toBe(12);
    for (const id of [1, 2]) {
      const { quantity, total } = c.query('catalog', id, (db) => db.prepare(
        'SELECT i.quantity AS quantity, (SELECT SUM(delta) FROM stock_changes s WHERE s.itemId = i.id) AS total FROM items i WHERE i.id = 6').get() as { quantity: number; total: number });
      expect([quantity, total]).toEqual([12, 12]);
    }
  });

  it('bad input gets a 4xx with a message and changes nothing on either replica', async () => {
    const before = [storeState(c, 1), storeState(c, 2)];
    const cases: [string, string, { body?: unknown; raw?: string; headers?: Record<string, string> }, number][] = [
      ['PUT', '/update/price/1', { body: { gool: 900 } }, 400],
      ['PUT', '/update/price/1', { body: { price: '42' } }, 400],
      ['PUT', '/update/price/1', { body: { price: -1 } }, 400],
      ['PUT', '/update/price/1', { body: { price: null } }, 400],
      ['PUT', '/update/price/1', { body: [1] }, 400],
      ['PUT', '/update/price/1', { body: 'text' }, 400],
      ['PUT', '/update/price/1', { raw: '{"price": 1e400}', headers: { 'content-type': 'application/json' } }, 400],
      ['PUT', '/update/price/1', { raw: '{price:', headers: { 'content-type': 'application/json' } }, 400],
      ['PUT', '/update/price/1', { raw: 'price=3', headers: { 'content-type': 'text/plain' } }, 400],
      ['PUT', '/update/price/1', {}, 400],
      ['PUT', '/update/price/abc', { body: { price: 3 } }, 400],
      ['PUT', '/update/price/-4', { body: { price: 3 } }, 400],
      ['PUT', '/update/item/1', { body: { quantity: 4.5 } }, 400],
      ['PUT', '/update/item/1', { body: { quantity: -3 } }, 400],
      ['PUT', '/update/item/1', { body: { quantity: 1e12 } }, 400],
      ['PUT', '/update/item/1', { body: { price: 3 } }, 400],
      ['PUT', '/update/price/999', { body: { price: 3 } }, 404],
      ['PUT', '/update/item/999', { body: { quantity: 3 } }, 404],
      ['PUT', '/update/price/1', { raw: JSON.stringify({ price: 1, pad: 'x'.repeat(200_000) }), headers: { 'content-type': 'application/json' } }, 413],
      ['DELETE', '/invalidate/abc', {}, 400],
    ];
    for (const [method, path, opts, status] of cases) {
      const r = await c.request(method, path, { ...opts, headers: { ...ADMIN, ...opts.headers } });
      expect({ method, path, status: r.status }).toEqual({ method, path, status });
      expect(typeof r.body?.message).toBe('string');
    }
    const body400 = await c.request('PUT', '/update/price/1', { body: { gool: 900 }, headers: ADMIN });
    expect(body400.body).toEqual({ message: BAD });
    expect(await c.request('PUT', '/update/price/999', { body: { price: 3 }, headers: ADMIN })).toMatchObject({ body: { message: 'There is no book with this ID' } });
    expect([storeState(c, 1), storeState(c, 2)]).toEqual(before);
  });

  it('DELETE /invalidate/:id drops the cached copy and the next lookup is served by a replica', async () => {
    await c.get('/lookup/7');
    const misses = async () => Number(/cache_requests_total\{cache="item",result="miss"\} (\d+)/.exec((await c.get('/metrics')).body)?.[1] ?? 0);
    const m0 = await misses();
    await c.get('/lookup/7');
    expect(await misses()).toBe(m0);
    expect(await c.request('DELETE', '/invalidate/7', { headers: ADMIN })).toMatchObject({ status: 200, body: { message: 'the item removed from the cache' } });
    await c.get('/lookup/7');
    expect(await misses()).toBe(m0 + 1);
  });

  it('GET /cluster lists every instance with role, term and health; GET /health is ready', async () => {
    // #2 wins the first election (highest id once both are ready). On a busy 2-core machine a health
    // probe can time out twice and move leadership to #1; for the moment of that failover both show
    // "backup". The route's promise: one primary and one backup, both healthy, once settled.
    let r = await c.get('/cluster');
    expect(r.status).toBe(200);
    let byKey: Record<string, any> = {};
    await eventually(async () => {
      r = await c.get('/cluster');
      byKey = Object.fromEntries(r.body.services.map((s: any) => [`${s.app}#${s.id}`, s]));
      return [byKey['catalog#1']?.role, byKey['catalog#2']?.role].sort().join() === 'backup,primary' && byKey['catalog#1'].healthy && byKey['catalog#2'].healthy
        && JSON.stringify(byKey['catalog#1'].term) === JSON.stringify(byKey['catalog#2'].term);
    });
    expect(Object.keys(byKey).sort()).toEqual(['catalog#1', 'catalog#2', 'gateway#1', 'recovery#1']);
    expect([byKey['catalog#1'].role, byKey['catalog#2'].role].sort()).toEqual(['backup', 'primary']);
    expect([byKey['catalog#1'].healthy, byKey['catalog#2'].healthy]).toEqual([true, true]);
    expect(byKey['catalog#2'].term).toEqual(byKey['catalog#1'].term);
    expect(byKey['catalog#2'].term.counter).toBeGreaterThanOrEqual(1);
    for (const s of r.body.services) expect(s).toEqual(expect.objectContaining({ app: expect.any(String), id: expect.any(Number), http: expect.stringMatching(/^http:/), tcp: expect.any(String) }));
    expect(await eventually(async () => (await c.get('/cluster')).body.services.every((s: any) => s.healthy))).toBe(true);
    const h = await c.get('/health');
    expect(h).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('every app serves /health, /metrics in Prometheus format and OpenAPI at /docs', async () => {
    for (const [app, id] of [['gateway', 1], ['catalog', 1], ['catalog', 2], ['recovery', 1]] as const) {
      expect((await c.get('/health', app, id)).status).toBe(200);
      const m = await c.get('/metrics', app, id);
      expect(m.status).toBe(200);
      expect(m.headers.get('content-type')).toMatch(/text\/plain/);
      expect(m.body).toMatch(/# TYPE http_request_duration_seconds histogram/);
      expect((await c.get('/docs', app, id)).status).toBe(200);
    }
    const doc = (await c.get('/docs/json')).body;
    for (const path of ['/search/{topic}', '/lookup/{id}', '/update/price/{id}', '/update/item/{id}', '/invalidate/{id}', '/products/{name}', '/cluster', '/health']) {
      expect(doc.paths[path]).toBeDefined();
    }
    expect(Object.keys(doc.paths['/update/price/{id}'].put.responses).sort()).toEqual(['200', '400', '401', '404', '503']);
    const gm = (await c.get('/metrics')).body as string;
    expect(gm).toMatch(/cache_requests_total\{cache="item",result="hit"\} \d+/);
    expect(gm).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/lookup\/:id",status="200"\} \d+/);
    const pm = (await c.get('/metrics', 'catalog', 2)).body as string;
    expect(pm).toMatch(/replication_lag_entries\{service="catalog",replica="1"\} 0/);
  });

  it('logs are JSON lines carrying the request id across the TCP call it caused', async () => {
    const rid = `e2e-rid-${Date.now()}`;
    const r = await c.request('PUT', '/update/price/4', { body: { price: 16 }, headers: { ...ADMIN, 'x-request-id': rid } });
    expect(r.status).toBe(200);
    const lines = await eventually(() => {
      const found = [c.log('catalog', 1), c.log('catalog', 2)].join('\n').split('\n').filter((l) => l.includes(rid));
      return found.length ? found : null;
    }, 5000);
    for (const l of lines!) expect(JSON.parse(l).rid).toBe(rid);
  });
});
