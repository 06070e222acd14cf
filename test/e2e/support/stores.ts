import type { TestCluster } from './cluster';

/** A catalog replica's store: items, stock ledger totals and log end, read from its SQLite file. */
export function catalogStore(c: TestCluster, id: number) {
  return c.query('catalog', id, (db) => ({
    items: db.prepare('SELECT id, kind, title, topic, author, price, quantity, version FROM items ORDER BY id').all() as {
      id: number; price: number; quantity: number; version: number;
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
