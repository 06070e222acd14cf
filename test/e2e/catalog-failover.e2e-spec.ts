import { PeerClient } from '@app/cluster';
import { CATALOG, CATALOG_REPLICA, ErrorCode, type Term } from '@app/contracts';
import { ADMIN, TestCluster, eventually } from './support/cluster';
import { catalogStore, ledgerMatchesStock, pendingHints } from './support/stores';

async function catalogRoles(c: TestCluster): Promise<Record<number, { role: string; term: Term | null; healthy: boolean }>> {
  const r = await c.get('/cluster');
  return Object.fromEntries(r.body.services.filter((s: any) => s.app === 'catalog').map((s: any) => [s.id, s]));
}

async function primaryId(c: TestCluster): Promise<number> {
  return eventually(async () => {
    const roles = await catalogRoles(c);
    const p = Object.entries(roles).find(([, s]) => s.role === 'primary' && s.healthy);
    return p ? Number(p[0]) : 0;
  });
}

const setPrice = (c: TestCluster, id: number, price: number) => c.request('PUT', `/update/price/${id}`, { body: { price }, headers: ADMIN });

/** Reads that each go to a replica (the cached copy is dropped first); counts any answer but 200. */
function readLoop(c: TestCluster) {
  let stop = false;
  const failures: string[] = [];
  let reads = 0;
  const done = (async () => {
    while (!stop) {
      const id = 1 + (reads % 7);
      await c.request('DELETE', `/invalidate/${id}`, { headers: ADMIN });
      const r = await c.get(`/lookup/${id}`);
      reads++;
      if (r.status !== 200) failures.push(`${r.status} ${JSON.stringify(r.body)}`);
    }
  })();
  return { stop: async () => { stop = true; await done; return { reads, failures }; } };
}

describe('catalog replication under kill -9 (real processes)', () => {
  let c: TestCluster;

  beforeAll(async () => {
    c = await TestCluster.start({ gateway: 1, catalog: 2, recovery: 1 });
  });
  afterAll(() => c?.stop());

  it('the highest id is elected primary at start, the other is its backup in the same term', async () => {
    expect(await primaryId(c)).toBe(2);
    const roles = await catalogRoles(c);
    expect(roles[1].role).toBe('backup');
    expect(roles[1].term).toEqual(roles[2].term);
  });

  it('with the backup killed, reads keep answering 200, writes keep working (hinted), and the backup catches up on restart', async () => {
    const reader = readLoop(c);
    await new Promise((r) => setTimeout(r, 300));
    await c.kill('catalog', 1);
    for (let i = 0; i < 5; i++) expect((await setPrice(c, 3, 100 + i)).status).toBe(200);
    const { reads, failures } = await reader.stop();
    expect(failures).toEqual([]);
    expect(reads).toBeGreaterThan(5);
    expect(catalogStore(c, 2).items.find((i) => i.id === 3)!.price).toBe(104);
    expect(pendingHints(c, 'catalog', 1)).toBeGreaterThanOrEqual(1);

    await c.restart('catalog', 1);
    const primary = catalogStore(c, 2);
    const backup = catalogStore(c, 1);
    expect(backup.items).toEqual(primary.items);
    expect(backup.ledger).toEqual(primary.ledger);
    expect(backup.lastSeq).toBe(primary.lastSeq);
    expect(await eventually(() => pendingHints(c, 'catalog', 1) === 0)).toBe(true);
    expect(await primaryId(c)).toBe(2);
  });

  it('with the primary killed, the backup takes over writes with a higher term; the old primary rejoins as backup', async () => {
    const before = (await catalogRoles(c))[2].term!;
    await c.kill('catalog', 2);
    const r = await setPrice(c, 4, 33);
    expect(r).toMatchObject({ status: 200, body: { id: 4, cost: 33 } });
    expect(await primaryId(c)).toBe(1);
    const after = (await catalogRoles(c))[1].term!;
    expect(after.counter).toBeGreaterThan(before.counter);
    expect(catalogStore(c, 1).term).toEqual(after);
    expect(catalogStore(c, 1).items.find((i) => i.id === 4)!.price).toBe(33);

    await c.restart('catalog', 2);
    const roles = await eventually(async () => {
      const x = await catalogRoles(c);
      return x[2].role === 'backup' && x[2].healthy ? x : null;
    });
    expect(roles![1].role).toBe('primary'); // leadership does not move back by itself
    expect(catalogStore(c, 2).items).toEqual(catalogStore(c, 1).items);
    expect(catalogStore(c, 2).term).toEqual(after);
    expect((await c.get('/lookup/4')).body.cost).toBe(33);
  });

  it('a write or a replication stamped with an old term is refused and changes nothing', async () => {
    const current = (await catalogRoles(c))[1].term!;
    const old: Term = { counter: current.counter - 1, electorId: current.electorId };
    const before = [catalogStore(c, 1), catalogStore(c, 2)];
    const primary = new PeerClient(c.instance('catalog', 1));
    const backup = new PeerClient(c.instance('catalog', 2));
    try {
      await expect(primary.send(CATALOG.WRITE, { write: { type: 'set-price', id: 1, price: 1 }, term: old })).rejects.toMatchObject({ code: ErrorCode.STALE_TERM });
      await expect(backup.send(CATALOG.WRITE, { write: { type: 'set-price', id: 1, price: 1 }, term: current })).rejects.toMatchObject({ code: ErrorCode.NOT_LEADER });
      const entry = { seq: before[1].lastSeq + 1, term: old, prev: old, body: { items: [{ ...before[1].items[0], price: 1, version: 99 }], stock: [] } };
      await expect(backup.send(CATALOG_REPLICA.REPLICATE, { term: old, leaderId: 1, entries: [entry] })).rejects.toMatchObject({ code: ErrorCode.STALE_TERM });
      await expect(backup.send(CATALOG_REPLICA.LEADER, { term: old, leaderId: 2, electorId: 9 })).rejects.toMatchObject({ code: ErrorCode.STALE_TERM });
    } finally {
      primary.close();
      backup.close();
    }
    expect([catalogStore(c, 1), catalogStore(c, 2)]).toEqual(before);
    expect((await catalogRoles(c))[1].role).toBe('primary');
  });

  it('a backup that missed acknowledged writes is never promoted: writes answer 503 until the recovery service lets it catch up', async () => {
    // primary 1, backup 2. The backup dies; a write is acknowledged through a hint.
    await c.kill('catalog', 2);
    expect((await setPrice(c, 5, 55)).status).toBe(200);
    expect(pendingHints(c, 'catalog', 2)).toBeGreaterThanOrEqual(1);
    // The hint store and the primary die; only the stale backup comes back.
    await c.kill('recovery', 1);
    await c.kill('catalog', 1);
    c.runner.start(c.instance('catalog', 2));
    await eventually(async () => (await c.get('/health/live', 'catalog', 2).catch(() => ({ status: 0 }))).status === 200);
    await new Promise((r) => setTimeout(r, 800));
    const w = await setPrice(c, 6, 66);
    expect(w.status).toBe(503);
    expect(w.headers.get('retry-after')).toBe('1');
    const roles = await catalogRoles(c);
    expect(roles[2]).toMatchObject({ role: 'backup', healthy: false });
    expect(catalogStore(c, 2).items.find((i) => i.id === 5)!.price).not.toBe(55);
    expect(catalogStore(c, 2).items.find((i) => i.id === 6)!.price).toBe(28);

    // The recovery service returns: the backup takes its hints, is promoted, and has the acknowledged write.
    await c.restart('recovery', 1);
    expect(await eventually(async () => (await setPrice(c, 6, 66)).status === 200, 15000)).toBe(true);
    expect(await primaryId(c)).toBe(2);
    const s2 = catalogStore(c, 2);
    expect(s2.items.find((i) => i.id === 5)!.price).toBe(55);
    expect(s2.items.find((i) => i.id === 6)!.price).toBe(66);

    await c.restart('catalog', 1);
    await eventually(async () => (await catalogRoles(c))[1].healthy);
    expect(catalogStore(c, 1).items).toEqual(catalogStore(c, 2).items);
    expect(ledgerMatchesStock(c, 1) && ledgerMatchesStock(c, 2)).toBe(true);
  });
});
