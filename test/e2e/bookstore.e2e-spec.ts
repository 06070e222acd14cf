import { Cluster } from 'ioredis';
import { ADMIN, TestCluster, eventually } from './support/cluster';
import { catalogStore, kvAgreeOn } from './support/stores';

const BOOK = { title: 'Dune', author: 'Frank Herbert', price: 9.99, quantity: 4 };
const KV_NODES = [1, 2, 3, 4];

/** Each kv-node's own replica of the customers (GET /customers on its port). */
async function countsOnEveryNode(c: TestCluster): Promise<Record<number, number>[]> {
  return Promise.all(KV_NODES.map(async (id) => {
    const list = (await c.get('/customers', 'kv-node', id)).body as { id: number; orders_count: number }[];
    return Object.fromEntries(list.map((x) => [x.id, x.orders_count]));
  }));
}

const booksTitled = (c: TestCluster, title: string) => [1, 2].map((id) => catalogStore(c, id).items.filter((i) => i.title === title).length);

describe('Bookstore: books, replicated customers, two-phase commit (real processes)', () => {
  let c: TestCluster;

  beforeAll(async () => {
    c = await TestCluster.start({ 'kv-node': 4, catalog: 2, recovery: 1, gateway: 1 });
  });
  afterAll(() => c?.stop());

  const admin = (method: string, path: string, body?: unknown) => c.request(method, path, { body, headers: ADMIN });

  it('GET /books lists every book (not toys) with author; POST and PUT /books need the admin token and validate every field', async () => {
    const books = (await c.get('/books')).body as { id: number; title: string; author: string | null }[];
    expect(books).toContainEqual({ id: 18, title: 'The Great Gatsby', author: 'F. Scott Fitzgerald', price: 10.99, quantity: 5 });
    expect(books.some((b) => b.title === 'Tux')).toBe(false);
    expect((await c.request('POST', '/books', { body: BOOK })).status).toBe(401);
    for (const b of [{}, { ...BOOK, title: '' }, { ...BOOK, author: undefined }, { ...BOOK, price: '9' }, { ...BOOK, quantity: -1 }, [BOOK]]) {
      const r = await admin('POST', '/books', b);
      expect([r.status, typeof r.body.error]).toEqual([400, 'string']);
    }
    const added = await admin('POST', '/books', { title: 'Neuromancer', author: 'William Gibson', price: 8.5, quantity: 2 });
    expect(added).toMatchObject({ status: 200, body: { message: 'New book added successfully!', id: expect.any(Number) } });
    expect(booksTitled(c, 'Neuromancer')).toEqual([1, 1]);
    expect((await c.get('/books')).body).toContainEqual({ id: added.body.id, title: 'Neuromancer', author: 'William Gibson', price: 8.5, quantity: 2 });
    expect(await admin('PUT', `/books/${added.body.id}`, { title: 'Neuromancer', author: 'W. Gibson', price: 9, quantity: 3 })).toMatchObject({ status: 200, body: { message: 'Book updated successfully!' } });
    expect(catalogStore(c, 1).items.find((i) => i.id === added.body.id)).toMatchObject({ author: 'W. Gibson', price: 9, quantity: 3 });
    expect((await admin('PUT', '/books/9999', BOOK)).status).toBe(404);
    expect((await admin('PUT', '/books/8', BOOK)).status).toBe(404); // a toy is not a book
    expect((await admin('PUT', `/books/${added.body.id}`, { title: 'x' })).status).toBe(400);
  });

  it('customers: seeded, added and updated through the gateway or any kv-node, the same on every node', async () => {
    const seeded = (await c.get('/customers')).body;
    expect(seeded).toEqual([
      { id: 1, name: 'John Doe', email: 'john@example.com', orders_count: 0 },
      { id: 2, name: 'Alice Smith', email: 'alice@example.com', orders_count: 0 },
    ]);
    expect(await c.request('POST', '/customers', { body: { name: 'Carol', email: 'carol@example.com' } })).toMatchObject({ status: 200, body: { message: 'New customer added successfully!', id: 3 } });
    expect(await c.request('POST', '/customers', { app: 'kv-node', id: 2, body: { name: 'Dan', email: 'dan@example.com' } })).toMatchObject({ status: 200, body: { id: 4 } });
    expect(await c.request('PUT', '/customers/3', { body: { name: 'Carol B', email: 'carol@example.com' } })).toMatchObject({ status: 200, body: { message: 'Customer updated successfully!' } });
    expect(await c.request('PUT', '/customers/99', { body: { name: 'X', email: 'x@example.com' } })).toMatchObject({ status: 404, body: { error: 'Customer ID not found.' } });
    for (const b of [{}, { name: 'X' }, { name: 'X', email: 'nope' }, [1]]) expect((await c.request('POST', '/customers', { body: b })).status).toBe(400);
    expect((await c.request('PUT', '/customers/1', { body: { name: '' } })).status).toBe(400);
    await eventually(async () => {
      const lists = await Promise.all(KV_NODES.map(async (id) => (await c.get('/customers', 'kv-node', id)).body));
      return lists.every((l) => JSON.stringify(l) === JSON.stringify(lists[0])) && lists[0].length === 4;
    });
    expect((await c.get('/customers', 'kv-node', 4)).body.find((x: { id: number }) => x.id === 3).name).toBe('Carol B');
  });

  it('POST /books-2pc adds the book and counts one more order for every customer, on every kv-node replica', async () => {
    const before = await countsOnEveryNode(c);
    const r = await admin('POST', '/books-2pc', BOOK);
    expect(r).toMatchObject({ status: 200, body: { message: 'New book added successfully!' } });
    expect(booksTitled(c, 'Dune')).toEqual([1, 1]);
    expect((await c.get('/books')).body.some((b: { title: string }) => b.title === 'Dune')).toBe(true);
    const after = await eventually(async () => {
      const now = await countsOnEveryNode(c);
      return now.every((n) => Object.keys(before[0]).every((id) => n[Number(id)] === before[0][Number(id)] + 1)) ? now : null;
    }, 10000);
    expect(after).toBeTruthy();
  });

  it('a write to a customer that a prepared transaction holds waits, then answers 503 with Retry-After; after presumed abort it goes through', async () => {
    await c.kill('gateway', 1);
    await c.restart('gateway', 1, { FAULTS: '2pc.crash-after-prepare' });
    const before = await countsOnEveryNode(c);
    const r = await admin('POST', '/books-2pc', { ...BOOK, title: 'Locked Book' }).catch(() => ({ status: 0 }));
    expect(r.status).toBe(0); // the coordinator died after the prepares
    expect(await eventually(() => !c.runner.isRunning('gateway', 1), 5000)).toBe(true); // the fault point killed it
    const t0 = Date.now();
    const blocked = await c.request('PUT', '/customers/1', { app: 'kv-node', id: 1, body: { name: 'John D', email: 'john@example.com' } });
    expect(blocked.status).toBe(503);
    expect(blocked.headers.get('retry-after')).toBe('1');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1500);
    await c.restart('gateway', 1, { FAULTS: '' });
    // presumed abort: no book, no count changed, and the lock is gone
    await eventually(async () => (await c.request('PUT', '/customers/1', { app: 'kv-node', id: 1, body: { name: 'John D', email: 'john@example.com' } })).status === 200, 10000);
    expect(booksTitled(c, 'Locked Book')).toEqual([0, 0]);
    expect(await countsOnEveryNode(c)).toEqual(before);
    expect(c.query('catalog', 2, (db) => db.prepare("SELECT state FROM catalog_txs WHERE state = 'prepared'").all())).toEqual([]);
  });

  it.each([
    ['2pc.crash-after-decision', true],
    ['2pc.crash-after-commit-one', true],
  ])('the coordinator killed at %s: after its restart the transaction is applied everywhere', async (fault, applied) => {
    if (c.runner.isRunning('gateway', 1)) await c.kill('gateway', 1);
    await c.restart('gateway', 1, { FAULTS: fault });
    const title = `Book ${fault}`;
    const before = await countsOnEveryNode(c);
    const r = await admin('POST', '/books-2pc', { ...BOOK, title }).catch(() => ({ status: 0 }));
    expect(r.status).toBe(0);
    expect(await eventually(() => !c.runner.isRunning('gateway', 1), 5000)).toBe(true); // the fault point killed it
    await c.restart('gateway', 1, { FAULTS: '' });
    const done = await eventually(async () => {
      const counts = await countsOnEveryNode(c);
      const books = booksTitled(c, title);
      const all = books.every((n) => n === 1) && counts.every((n) => Object.keys(before[0]).every((id) => n[Number(id)] === before[0][Number(id)] + 1));
      return all ? { books, counts } : null;
    }, 15000);
    expect(!!done).toBe(applied);
    const log = c.query('gateway', 1, (db) => db.prepare('SELECT state, done FROM coordinator_txs ORDER BY createdAt DESC LIMIT 1').get());
    expect(await eventually(() => (c.query('gateway', 1, (db) => db.prepare('SELECT done FROM coordinator_txs WHERE done = 0').all()) as unknown[]).length === 0, 10000)).toBe(true);
    expect(log).toMatchObject({ state: 'committed' });
  });

  /** The counts every live kv-node shows are `before` + 1 for every customer. */
  const plusOne = async (before: Record<number, number>, nodes = KV_NODES) => {
    const now = await Promise.all(nodes.map(async (id) => Object.fromEntries(((await c.get('/customers', 'kv-node', id)).body as { id: number; orders_count: number }[]).map((x) => [x.id, x.orders_count]))));
    return now.every((n) => Object.keys(before).length > 0 && Object.keys(before).every((id) => n[Number(id)] === before[Number(id)] + 1));
  };
  const catalogPrimary = async () => eventually(async () => (await c.get('/cluster')).body.services.find((s: any) => s.app === 'catalog' && s.role === 'primary' && s.healthy)?.id as number | undefined, 15000);
  const kvLeader = async (from = 1) => ((await c.get('/cluster', 'kv-node', from)).body as { leader: number | null }).leader;

  it('participant: the catalog primary killed on receiving the commit: the new primary commits it, and the old one catches up', async () => {
    // the fault on the primary only: restart it with the fault (the other takes over), then bounce the other
    const p = (await catalogPrimary())!;
    const b = p === 1 ? 2 : 1;
    await c.kill('catalog', p);
    await c.restart('catalog', p, { FAULTS: 'catalog.tx-crash-before-commit' });
    await c.kill('catalog', b);
    expect(await eventually(async () => (await catalogPrimary()) === p, 15000)).toBe(true);
    await c.restart('catalog', b);
    const before = (await countsOnEveryNode(c))[0];
    const title = 'Book catalog.tx-crash-before-commit';
    const r = await admin('POST', '/books-2pc', { ...BOOK, title });
    expect(r.status).toBe(200); // decided commit: the decision stands whoever is down
    expect(await eventually(() => !c.runner.isRunning('catalog', p), 5000)).toBe(true); // the fault point killed it
    // the backup becomes primary; the coordinator re-sends the decision to it
    expect(await eventually(async () => catalogStore(c, b).items.filter((i) => i.title === title).length === 1, 20000)).toBe(true);
    expect(await eventually(() => plusOne(before), 10000)).toBe(true);
    await c.restart('catalog', p, { FAULTS: '' });
    expect(await eventually(() => booksTitled(c, title).every((n) => n === 1), 15000)).toBe(true);
    expect(await eventually(() => (c.query('gateway', 1, (db) => db.prepare('SELECT done FROM coordinator_txs WHERE done = 0').all()) as unknown[]).length === 0, 15000)).toBe(true);
    for (const id of [1, 2]) expect(c.query('catalog', id, (db) => db.prepare("SELECT state FROM catalog_txs WHERE state = 'prepared'").all())).toEqual([]);
    expect(await plusOne(before)).toBe(true); // exactly once, not twice
  });

  it('participant: the customers-store leader killed half-way through its commit: the next leader finishes it, exactly once on every replica', async () => {
    const leader = (await kvLeader())!;
    expect(leader).toBe(4); // the highest ready id leads
    await c.kill('kv-node', leader);
    await c.restart('kv-node', leader, { FAULTS: 'customers.tx-crash-mid-commit' });
    // every node must follow it again (a node that still follows the interim leader would run the
    // commit itself, and the fault point on #4 would never be reached)
    expect(await eventually(() => kvAgreeOn(c, leader, KV_NODES), 20000)).toBeTruthy();
    const before = (await countsOnEveryNode(c))[0];
    const title = 'Book customers.tx-crash-mid-commit';
    const r = await admin('POST', '/books-2pc', { ...BOOK, title });
    expect(r.status).toBe(200);
    expect(await eventually(() => !c.runner.isRunning('kv-node', leader), 5000)).toBe(true);
    const others = KV_NODES.filter((id) => id !== leader);
    // half-applied for a moment; the new leader (in-doubt resolution or the coordinator's re-sent decision) finishes it
    expect(await eventually(() => plusOne(before, others), 20000)).toBe(true);
    expect(booksTitled(c, title)).toEqual([1, 1]);
    await c.restart('kv-node', leader, { FAULTS: '' });
    expect(await eventually(() => plusOne(before), 20000)).toBe(true);
    expect(await eventually(() => (c.query('gateway', 1, (db) => db.prepare('SELECT done FROM coordinator_txs WHERE done = 0').all()) as unknown[]).length === 0, 15000)).toBe(true);
  });

  it('with the customers store unreachable, /books-2pc answers 503 and nothing changes', async () => {
    const books = catalogStore(c, 1).items.length;
    await Promise.all(KV_NODES.map((id) => c.kill('kv-node', id)));
    const r = await admin('POST', '/books-2pc', { ...BOOK, title: 'Orphan Book' });
    expect(r.status).toBe(503);
    expect(r.body.error).toMatch(/^Failed to add book: /);
    expect(booksTitled(c, 'Orphan Book')).toEqual([0, 0]);
    expect(catalogStore(c, 1).items.length).toBe(books);
    const txs = c.query('catalog', 1, (db) => db.prepare('SELECT state FROM catalog_txs ORDER BY at DESC LIMIT 1').get()) as { state: string };
    expect(txs.state).toBe('aborted');
    for (const id of KV_NODES) await c.restart('kv-node', id);
  });
});

describe('Bookstore with a Redis Cluster as the L2 cache (6 real redis-server processes)', () => {
  let c: TestCluster;
  let redis: Cluster;

  beforeAll(async () => {
    c = await TestCluster.start({ 'kv-node': 0, catalog: 2, recovery: 1, gateway: 2, redis: true });
    redis = new Cluster(c.redis!.seeds.map((s) => ({ host: '127.0.0.1', port: Number(s.split(':')[1]) })));
  });
  afterAll(async () => {
    redis?.disconnect();
    await c?.stop();
  });

  const redisHits = async (gw: number) => Number(/cache_requests_total\{cache="redis",result="hit"\} (\d+)/.exec((await c.get('/metrics', 'gateway', gw)).body)?.[1] ?? 0);

  it('GET /books is kept in Redis, and a second gateway with a cold L1 is served from it', async () => {
    const first = (await c.get('/books', 'gateway', 1)).body;
    const stored = await eventually(() => redis.get('bazaar:books:{list}'), 5000);
    expect(JSON.parse(stored!)).toHaveLength(first.length);
    const hits = await redisHits(2);
    const second = (await c.get('/books', 'gateway', 2)).body;
    expect(second).toEqual(first);
    expect(await redisHits(2)).toBe(hits + 1);
  });

  it('a POST makes the next GET fresh on both gateways (L1 and L2 cleared), and versions never go back', async () => {
    await c.get('/books', 'gateway', 1);
    await c.get('/books', 'gateway', 2);
    const r = await c.request('POST', '/books', { body: { title: 'Fresh Book', author: 'A', price: 1, quantity: 1 }, headers: ADMIN });
    expect(r.status).toBe(200);
    for (const gw of [1, 2]) expect((await c.get('/books', 'gateway', gw)).body.some((b: { title: string }) => b.title === 'Fresh Book')).toBe(true);
    // an item entry in Redis carries its version; a stale fill cannot replace a newer one
    await c.get('/lookup/18', 'gateway', 1);
    const entry = await eventually(() => redis.get('bazaar:item:{18}'), 5000);
    expect(entry!.split('|')[0]).toBe('1');
    expect((await c.request('PUT', '/update/price/18', { body: { price: 11.5 }, headers: ADMIN })).status).toBe(200);
    expect(Number(await redis.get('bazaar:floor:{18}'))).toBe(2);
    expect((await c.get('/lookup/18', 'gateway', 2)).body.cost).toBe(11.5);
  });

  it('killing a Redis master keeps /books answering correctly once the cluster has failed over', async () => {
    const [master] = await c.redis!.masters();
    await c.redis!.kill(master);
    await c.redis!.waitOk(20000);
    expect((await c.request('POST', '/books', { body: { title: 'After Failover', author: 'B', price: 2, quantity: 2 }, headers: ADMIN })).status).toBe(200);
    for (const gw of [1, 2]) {
      const books = await eventually(async () => {
        const r = await c.get('/books', 'gateway', gw);
        return r.status === 200 && r.body.some((b: { title: string }) => b.title === 'After Failover') ? r.body : null;
      }, 10000);
      expect(books).toBeTruthy();
      expect(books.length).toBe(catalogStore(c, 1).items.filter((i) => i.kind === 'book').length);
    }
  });
});
