import { PeerClient } from '@app/cluster';
import { CART_STORE, type VersionedDoc } from '@app/contracts';
import type { TestCluster } from './cluster';

/** A catalog replica's store: items, stock ledger totals and log end, read from its SQLite file. */
export function catalogStore(c: TestCluster, id: number) {
  return c.query('catalog', id, (db) => ({
    items: db.prepare('SELECT id, kind, title, topic, author, price, quantity, version FROM items ORDER BY id').all() as {
      id: number; kind: string; title: string; topic: string; author: string | null; price: number; quantity: number; version: number;
    }[],
    ledger: db.prepare('SELECT itemId, SUM(delta) AS total FROM stock_changes GROUP BY itemId ORDER BY itemId').all() as { itemId: number; total: number }[],
    lastSeq: (db.prepare('SELECT MAX(seq) AS s FROM replication_log').get() as { s: number | null }).s ?? 0,
    term: JSON.parse((db.prepare("SELECT value FROM replica_meta WHERE key = 'term'").get() as { value: string } | undefined)?.value ?? 'null'),
  }));
}

/** Stock conservation on one replica: every item's quantity equals the sum of its recorded changes. */
export function ledgerMatchesStock(c: TestCluster, id: number): boolean {
  const s = catalogStore(c, id);
  const totals = new Map(s.ledger.map((l) => [l.itemId, l.total]));
  return s.items.every((i) => (totals.get(i.id) ?? 0) === i.quantity && i.quantity >= 0);
}

export function pendingHints(c: TestCluster, service: string, target: number): number {
  return c.query('recovery', 1, (db) =>
    (db.prepare('SELECT COUNT(*) AS n FROM hints WHERE service = ? AND target = ?').get(service, target) as { n: number }).n);
}

export interface OrderRowView {
  number: number;
  orderId: string;
  itemId: number;
  name: string;
  quantity: number;
}

/** The confirmed orders of an order replica, read from its SQLite file. */
export function orderStore(c: TestCluster, id: number): OrderRowView[] {
  return c.query('order', id, (db) =>
    db.prepare('SELECT number, orderId, itemId, name, quantity FROM orders ORDER BY number').all() as OrderRowView[]);
}

/** The catalog's record of decrements against orders (cause order:<orderId>), on one replica. */
export function orderDecrements(c: TestCluster, catalogId: number): { orderId: string; itemId: number; quantity: number }[] {
  return c.query('catalog', catalogId, (db) => (db.prepare(
    "SELECT substr(cause, 7) AS orderId, itemId, -delta AS quantity FROM stock_changes WHERE cause LIKE 'order:%' ORDER BY seq").all() as { orderId: string; itemId: number; quantity: number }[]));
}

/**
 * Stock and orders agree (invariants 1 and 2): every order replica holds the same orders, numbered
 * 0..n-1 without gaps or duplicates; each catalog replica's record of decrements names exactly those
 * orders with the same item and quantity; and every item's stock equals its ledger.
 */
export function ordersAgreeWithStock(c: TestCluster, orderIds: number[], catalogIds: number[]): string[] {
  const problems: string[] = [];
  const reference = orderStore(c, orderIds[0]);
  for (const id of orderIds.slice(1)) {
    if (JSON.stringify(orderStore(c, id)) !== JSON.stringify(reference)) problems.push(`order replica ${id} differs from ${orderIds[0]}`);
  }
  reference.forEach((o, i) => {
    if (o.number !== i) problems.push(`order numbers are not contiguous at ${i} (found ${o.number})`);
  });
  if (new Set(reference.map((o) => o.orderId)).size !== reference.length) problems.push('an order id appears twice');
  for (const cid of catalogIds) {
    const decs = new Map(orderDecrements(c, cid).map((d) => [d.orderId, d]));
    if (decs.size !== reference.length) problems.push(`catalog ${cid} records ${decs.size} decrements for ${reference.length} orders`);
    for (const o of reference) {
      const d = decs.get(o.orderId);
      if (!d) problems.push(`order ${o.number} has no decrement on catalog ${cid}`);
      else if (d.itemId !== o.itemId || d.quantity !== o.quantity) problems.push(`order ${o.number} disagrees with its decrement on catalog ${cid}`);
    }
    if (!ledgerMatchesStock(c, cid)) problems.push(`catalog ${cid}: stock differs from its ledger`);
  }
  return problems;
}

/** A kv-node's own copy of a cart document, read directly over TCP (no quorum, no read repair). */
export async function copyAt(c: TestCluster, node: number, key: string): Promise<VersionedDoc | null> {
  const client = new PeerClient(c.instance('kv-node', node));
  try {
    return await client.send<VersionedDoc | null>(CART_STORE.GET, { key });
  } finally {
    client.close();
  }
}

/** What each kv-node says of the leader now, if all of them follow `leader` in one term; else null. */
export async function kvAgreeOn(c: TestCluster, leader: number, nodes: number[]): Promise<{ leader: number; term: number; members?: unknown }[] | null> {
  const views = await Promise.all(nodes.map(async (id) => (await c.get('/cluster', 'kv-node', id)).body as { leader: number; term: number; members?: unknown }));
  return views.every((v) => v.leader === leader && v.term === views[0].term) ? views : null;
}
