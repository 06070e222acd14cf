import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { rawDatabase, type StateMachine } from '@app/cluster';
import type { CatalogEntryBody, CatalogSnapshot, CatalogTx, Item, ItemKind, LogEntry, RecordedDecrement } from '@app/contracts';
import type { Database, Statement } from 'better-sqlite3';
import type { DataSource } from 'typeorm';

const ITEM_COLUMNS = 'id, kind, title, topic, author, price, quantity, version';

/**
 * The catalog's tables (schema from the TypeORM entities ItemRow and StockChangeRow) on prepared
 * statements of TypeORM's better-sqlite3 connection: the reads a write is computed from, the reads
 * clients make, and the state machine that applies catalog log entries (each carries the full new
 * state of the items it changed and the stock changes with their causes).
 */
@Injectable()
export class CatalogStore implements StateMachine<CatalogEntryBody, CatalogSnapshot> {
  private db: Database | null = null;
  private q!: Record<string, Statement>;

  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  open(db?: Database): void {
    if (this.db) return;
    this.db = db ?? rawDatabase(this.ds);
    const p = (sql: string) => this.db!.prepare(sql);
    this.q = {
      item: p(`SELECT ${ITEM_COLUMNS} FROM items WHERE id = ?`),
      topic: p(`SELECT ${ITEM_COLUMNS} FROM items WHERE topic = ? ORDER BY id`),
      name: p(`SELECT ${ITEM_COLUMNS} FROM items WHERE title = ? ORDER BY id LIMIT 1`),
      nameKind: p(`SELECT ${ITEM_COLUMNS} FROM items WHERE title = ? AND kind = ? ORDER BY id LIMIT 1`),
      all: p(`SELECT ${ITEM_COLUMNS} FROM items ORDER BY id`),
      kind: p(`SELECT ${ITEM_COLUMNS} FROM items WHERE kind = ? ORDER BY id`),
      maxId: p('SELECT MAX(id) AS id FROM items'),
      change: p('SELECT seq FROM stock_changes WHERE cause = ? AND itemId = ?'),
      ledger: p('SELECT itemId, SUM(delta) AS total, COUNT(*) AS changes FROM stock_changes GROUP BY itemId ORDER BY itemId'),
      decrements: p(`SELECT s.cause AS cause, s.itemId AS itemId, s.delta AS delta, s.seq AS seq, i.title AS title
        FROM stock_changes s JOIN items i ON i.id = s.itemId WHERE s.cause LIKE 'order:%' AND s.seq > ? ORDER BY s.seq LIMIT ?`),
      decrementOf: p(`SELECT s.cause AS cause, s.itemId AS itemId, s.delta AS delta, s.seq AS seq, i.title AS title
        FROM stock_changes s JOIN items i ON i.id = s.itemId WHERE s.cause = ?`),
      upsert: p(`INSERT INTO items (${ITEM_COLUMNS}) VALUES (@id, @kind, @title, @topic, @author, @price, @quantity, @version)
        ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, title = excluded.title, topic = excluded.topic, author = excluded.author,
        price = excluded.price, quantity = excluded.quantity, version = excluded.version`),
      change_: p('INSERT OR IGNORE INTO stock_changes (cause, itemId, delta, seq) VALUES (?, ?, ?, ?)'),
      allChanges: p('SELECT cause, itemId, delta, seq FROM stock_changes'),
      clearItems: p('DELETE FROM items'),
      clearChanges: p('DELETE FROM stock_changes'),
      tx: p('SELECT txId, state, coordinator, item, at FROM catalog_txs WHERE txId = ?'),
      txs: p('SELECT txId, state, coordinator, item, at FROM catalog_txs'),
      prepared: p("SELECT txId, state, coordinator, item, at FROM catalog_txs WHERE state = 'prepared'"),
      putTx: p(`INSERT INTO catalog_txs (txId, state, coordinator, item, at) VALUES (@txId, @state, @coordinator, @item, @at)
        ON CONFLICT(txId) DO UPDATE SET state = excluded.state, coordinator = excluded.coordinator, item = excluded.item, at = excluded.at`),
      clearTxs: p('DELETE FROM catalog_txs'),
    };
  }

  private s(name: string): Statement {
    this.open();
    return this.q[name];
  }

  item(id: number): Item | undefined {
    return this.s('item').get(id) as Item | undefined;
  }

  byTopic(topic: string): Item[] {
    return this.s('topic').all(topic) as Item[];
  }

  byName(name: string, kind?: ItemKind): Item | undefined {
    return (kind ? this.s('nameKind').get(name, kind) : this.s('name').get(name)) as Item | undefined;
  }

  list(kind?: ItemKind): Item[] {
    return (kind ? this.s('kind').all(kind) : this.s('all').all()) as Item[];
  }

  /** The highest item id in use, counting the ids prepared transactions have reserved. */
  maxId(): number {
    const items = (this.s('maxId').get() as { id: number | null }).id ?? 0;
    return Math.max(items, ...this.preparedTxs().map((t) => t.item.id));
  }

  tx(txId: string): CatalogTx | undefined {
    const r = this.s('tx').get(txId) as (Omit<CatalogTx, 'item'> & { item: string }) | undefined;
    return r ? { ...r, item: JSON.parse(r.item) } : undefined;
  }

  preparedTxs(): CatalogTx[] {
    return (this.s('prepared').all() as (Omit<CatalogTx, 'item'> & { item: string })[]).map((r) => ({ ...r, item: JSON.parse(r.item) }));
  }

  private putTx(t: CatalogTx): void {
    this.s('putTx').run({ ...t, item: JSON.stringify(t.item) });
  }

  /** The log seq of the stock change recorded for this cause and item, if any. */
  changeSeq(cause: string, itemId: number): number | undefined {
    return (this.s('change').get(cause, itemId) as { seq: number } | undefined)?.seq;
  }

  ledger(): { itemId: number; total: number; changes: number }[] {
    return this.s('ledger').all() as { itemId: number; total: number; changes: number }[];
  }

  decrements(afterSeq: number, limit: number, orderIds?: string[]): RecordedDecrement[] {
    type Row = { cause: string; itemId: number; delta: number; seq: number; title: string };
    const rows = orderIds
      ? orderIds.flatMap((o) => this.s('decrementOf').all(`order:${o}`) as Row[]).filter((r) => r.seq > afterSeq)
      : (this.s('decrements').all(afterSeq, limit) as Row[]);
    return rows.map((r) => ({ orderId: r.cause.slice('order:'.length), itemId: r.itemId, title: r.title, quantity: -r.delta, seq: r.seq }));
  }

  apply(entries: LogEntry<CatalogEntryBody>[]): void {
    for (const e of entries) {
      for (const i of e.body.items) this.s('upsert').run(i);
      for (const c of e.body.stock) this.s('change_').run(c.cause, c.itemId, c.delta, e.seq);
      if (e.body.tx) this.putTx(e.body.tx);
    }
  }

  snapshot(): CatalogSnapshot {
    const txs = (this.s('txs').all() as (Omit<CatalogTx, 'item'> & { item: string })[]).map((r) => ({ ...r, item: JSON.parse(r.item) }));
    return { items: this.list(), stock: this.s('allChanges').all() as CatalogSnapshot['stock'], txs };
  }

  restore(s: CatalogSnapshot): void {
    this.s('clearItems').run();
    this.s('clearChanges').run();
    this.s('clearTxs').run();
    for (const i of s.items) this.s('upsert').run(i);
    for (const c of s.stock) this.s('change_').run(c.cause, c.itemId, c.delta, c.seq);
    for (const t of s.txs ?? []) this.putTx(t);
  }
}
