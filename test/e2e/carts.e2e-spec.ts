import { counterValue, type Counter } from '@app/consistency';
import { type VersionedDoc } from '@app/contracts';
import { place } from '@app/hashing';
import { FaultProxy } from '../../tools/launcher/fault-proxy';
import { freePorts } from '../../tools/launcher/ports';
import { ADMIN, TestCluster, eventually } from './support/cluster';
import { copyAt } from './support/stores';

const CARTS = { 'kv-node': 4, 'cart-gateway': 2, recovery: 1, gateway: 0, catalog: 0 };

/** The kv-nodes that hold a key (as the cart-gateways place it: CRUSH over the 4 members, N = 3). */
const preferred = (key: string) => place(key, [1, 2, 3, 4].map((id) => ({ id, weight: 1 })), 3).map((m) => m.id as number);


const qty = (doc: VersionedDoc | null, field: string) => (doc?.value.fields[field] ? counterValue(doc.value.fields[field] as Counter) : 0);

describe('leaderless cart store (2 cart-gateways, 4 kv-nodes, real processes)', () => {
  let c: TestCluster;
  let proxy: FaultProxy;

  beforeAll(async () => {
    const [proxyPort] = await freePorts(1);
    let node1 = { host: '127.0.0.1', port: 0 };
    proxy = new FaultProxy(proxyPort, () => node1);
    await proxy.start();
    c = await TestCluster.start({
      ...CARTS,
      // cart-gateway 2 reaches kv-node 1 through a fault proxy the tests can cut
      envFor: (i) => (i.app === 'cart-gateway' && i.id === 2 ? { KV_ADDRESS_OVERRIDES: `1=127.0.0.1:${proxyPort}` } : undefined),
      onTopology: (t) => {
        const n = t.instances.find((i) => i.app === 'kv-node' && i.id === 1)!;
        node1 = { host: n.host, port: n.tcp! };
      },
    });
  });
  afterAll(async () => {
    await c?.stop();
    await proxy?.stop();
  });

  const cart = (gw: number, method: string, path: string, body?: unknown) => c.request(method, path, { app: 'cart-gateway', id: gw, body });

  it('serves the contract: createuser, user, addtocart, user replacement with versions, products, lists', async () => {
    expect(await cart(1, 'POST', '/createuser', { email: 'alice@example.com' })).toMatchObject({ status: 201, body: { email: 'alice@example.com', cart: {}, version: expect.any(Object) } });
    expect((await cart(2, 'POST', '/createuser', { email: 'alice@example.com' })).status).toBe(409);
    for (const b of [{ email: 'not-an-email' }, {}, [], { email: 7 }]) expect((await cart(1, 'POST', '/createuser', b)).status).toBe(400);
    expect(await cart(2, 'POST', '/addtocart', { email: 'alice@example.com', cart: { Tux: 2, Whale: 1 } })).toMatchObject({ status: 200, body: { cart: { Tux: 2, Whale: 1 } } });
    expect((await cart(1, 'POST', '/addtocart', { email: 'nobody@example.com', cart: { Tux: 1 } })).status).toBe(404);
    for (const b of [{ email: 'alice@example.com', cart: { Tux: 1.5 } }, { email: 'alice@example.com', cart: [1] }, { email: 'alice@example.com', cart: { Tux: 0 } }]) {
      expect((await cart(1, 'POST', '/addtocart', b)).status).toBe(400);
    }
    const u = await cart(1, 'GET', '/user?email=alice@example.com');
    expect(u).toMatchObject({ status: 200, body: { email: 'alice@example.com', cart: { Tux: 2, Whale: 1 } } });
    expect((await cart(1, 'GET', '/user?email=bob@example.com')).status).toBe(404);
    expect((await cart(1, 'GET', '/user?email=bad')).status).toBe(400);
    // removing more than there is shows 0, never less
    expect((await cart(1, 'POST', '/addtocart', { email: 'alice@example.com', cart: { Whale: -5 } })).body.cart).toEqual({ Tux: 2 });
    // replacement: with the current version it applies; with an older version it is refused with the current value
    const current = (await cart(2, 'GET', '/user?email=alice@example.com')).body;
    const replaced = await cart(2, 'POST', '/user', { email: 'alice@example.com', cart: { Lego: 3 }, version: current.version });
    expect(replaced).toMatchObject({ status: 200, body: { cart: { Lego: 3 } } });
    const stale = await cart(1, 'POST', '/user', { email: 'alice@example.com', cart: { Chess: 1 }, version: current.version });
    expect(stale).toMatchObject({ status: 409, body: { current: { cart: { Lego: 3 } } } });
    // products: adds to the stock, like a counter
    expect(await cart(1, 'POST', '/product', { name: 'Tux', quantity: 10 })).toMatchObject({ status: 200, body: { name: 'Tux', quantity: 10 } });
    expect(await cart(2, 'POST', '/product', { name: 'Tux', quantity: 5 })).toMatchObject({ status: 200, body: { name: 'Tux', quantity: 15 } });
    expect(await cart(2, 'GET', '/product?name=Tux')).toMatchObject({ status: 200, body: { quantity: 15 } });
    expect((await cart(2, 'GET', '/product?name=Unicorn')).status).toBe(404);
    expect((await cart(2, 'POST', '/product', { name: 'Tux', quantity: 'x' })).status).toBe(400);
    await cart(2, 'POST', '/createuser', { email: 'bob@example.com' });
    await cart(1, 'POST', '/product', { name: 'Whale', quantity: 1 });
    expect((await cart(1, 'GET', '/userslist')).body).toEqual(['alice@example.com', 'bob@example.com']);
    expect((await cart(2, 'GET', '/productslist')).body).toEqual(['Tux', 'Whale']);
  });

  it('10 concurrent adds of 1 through both cart-gateways end with exactly 10, on every replica of the key', async () => {
    await cart(1, 'POST', '/createuser', { email: 'carol@example.com' });
    const adds = await Promise.all(Array.from({ length: 10 }, (_, i) => cart(1 + (i % 2), 'POST', '/addtocart', { email: 'carol@example.com', cart: { Marbles: 1 } })));
    expect(adds.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect((await cart(2, 'GET', '/user?email=carol@example.com')).body.cart).toEqual({ Marbles: 10 });
    for (const n of preferred('user:carol@example.com')) {
      expect(await eventually(async () => qty(await copyAt(c, n, 'user:carol@example.com'), 'Marbles') === 10, 5000)).toBe(true);
    }
  });

  it('with one of the three replicas of a key killed, reads and writes succeed; on restart hinted handoff repairs it before any read', async () => {
    const key = 'user:dave@example.com';
    await cart(1, 'POST', '/createuser', { email: 'dave@example.com' });
    const victim = preferred(key)[1];
    await c.kill('kv-node', victim);
    expect((await cart(1, 'POST', '/addtocart', { email: 'dave@example.com', cart: { Bird: 3 } })).status).toBe(200);
    expect((await cart(2, 'POST', '/addtocart', { email: 'dave@example.com', cart: { Bird: 1 } })).status).toBe(200);
    expect((await cart(2, 'GET', '/user?email=dave@example.com')).body.cart).toEqual({ Bird: 4 });
    await c.restart('kv-node', victim);
    // inspect the returned replica directly, without any read through a gateway (read repair cannot help)
    expect(await eventually(async () => qty(await copyAt(c, victim, key), 'Bird') === 4, 10000)).toBe(true);
    expect(c.log('kv-node', victim)).toMatch(/cart hints delivered/);
  });

  it('separately, read repair brings a stale replica up to date when a read finds it behind', async () => {
    const key = 'user:erin@example.com';
    await cart(1, 'POST', '/createuser', { email: 'erin@example.com' });
    const victim = preferred(key)[2];
    // no hints this time: the recovery service is down while the replica misses the write
    await c.kill('recovery', 1);
    await c.kill('kv-node', victim);
    expect((await cart(1, 'POST', '/addtocart', { email: 'erin@example.com', cart: { Lego: 2 } })).status).toBe(200);
    await c.restart('kv-node', victim);
    await new Promise((r) => setTimeout(r, 500));
    expect(qty(await copyAt(c, victim, key), 'Lego')).toBe(0); // stale: nothing delivered it
    await eventually(async () => (await cart(2, 'GET', '/members')).body.members.every((m: { healthy: boolean }) => m.healthy), 5000);
    expect((await cart(2, 'GET', '/user?email=erin@example.com')).body.cart).toEqual({ Lego: 2 });
    expect(await eventually(async () => qty(await copyAt(c, victim, key), 'Lego') === 2, 5000)).toBe(true);
    await c.restart('recovery', 1);
  });

  it('concurrent adds while cart-gateway 2 is cut off from kv-node 1 (fault proxy) are merged without loss', async () => {
    const emails = ['f1@example.com', 'f2@example.com', 'f3@example.com', 'f4@example.com'];
    for (const e of emails) await cart(1, 'POST', '/createuser', { email: e });
    proxy.cutOff();
    const writes = await Promise.all(emails.flatMap((e) => Array.from({ length: 6 }, (_, i) => cart(1 + (i % 2), 'POST', '/addtocart', { email: e, cart: { Frisbee: 1 } }))));
    expect(writes.filter((r) => r.status !== 200).map((r) => [r.status, r.body])).toEqual([]);
    proxy.heal();
    for (const e of emails) {
      expect((await cart(1, 'GET', `/user?email=${e}`)).body.cart).toEqual({ Frisbee: 6 });
      expect((await cart(2, 'GET', `/user?email=${e}`)).body.cart).toEqual({ Frisbee: 6 });
    }
    expect(emails.some((e) => preferred(`user:${e}`).includes(1))).toBe(true); // node 1 held some of them
  });

  it('a member leaving moves only the keys that must move (about the optimum), and everything stays readable; it can join again', async () => {
    for (let i = 0; i < 30; i++) await cart(1 + (i % 2), 'POST', '/product', { name: `item-${i}`, quantity: i + 1 });
    expect((await cart(1, 'POST', '/members/4/leave')).status).toBe(401);
    const left = await c.request('POST', '/members/4/leave', { app: 'cart-gateway', id: 1, headers: ADMIN });
    expect(left.status).toBe(200);
    expect(left.body.moved).toBeGreaterThan(0);
    expect(left.body.ratio).toBeLessThanOrEqual(1.1);
    await eventually(async () => (await cart(2, 'GET', '/members')).body.members.find((m: { id: number }) => m.id === 4).member === false, 5000);
    for (let i = 0; i < 30; i++) {
      const r = await cart(2, 'GET', `/product?name=item-${i}`);
      expect([i, r.status, r.body.quantity ?? r.body]).toEqual([i, 200, i + 1]);
    }
    const joined = await c.request('POST', '/members/4/join', { app: 'cart-gateway', id: 2, headers: ADMIN });
    expect(joined.status).toBe(200);
    expect(joined.body.ratio).toBeLessThanOrEqual(1.1);
    for (let i = 0; i < 30; i++) expect((await cart(1, 'GET', `/product?name=item-${i}`)).body.quantity).toBe(i + 1);
  });
});
