import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { rawDatabase, type StateMachine } from '@app/cluster';
import type { LogEntry, Order, OrderEntryBody, OrderSnapshot } from '@app/contracts';
import type { Database, Statement } from 'better-sqlite3';
import type { DataSource } from 'typeorm';

const COLUMNS = 'number, orderId, itemId, name, quantity, catalogSeq, createdAt, seq';
const WATERMARK_KEY = 'reconciledThrough';

export type StoredOrder = Order & { seq: number };

/**
 * The orders table (schema from the TypeORM entity OrderRow) on prepared statements of TypeORM's
 * better-sqlite3 connection, and the state machine of the order log: confirmations (idempotent by
 * order id) and reconciliation watermarks.
 */
@Injectable()
export class OrderStore implements StateMachine<OrderEntryBody, OrderSnapshot> {
  private db: Database | null = null;
  private q!: Record<string, Statement>;

  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  open(db?: Database): void {
    if (this.db) return;
    this.db = db ?? rawDatabase(this.ds);
    const p = (sql: string) => this.db!.prepare(sql);
    this.q = {
      byId: p(`SELECT ${COLUMNS} FROM orders WHERE orderId = ?`),
      byNumber: p(`SELECT ${COLUMNS} FROM orders WHERE number = ?`),
      last: p('SELECT MAX(number) AS n FROM orders'),
      all: p(`SELECT ${COLUMNS} FROM orders ORDER BY number`),
      insert: p(`INSERT OR IGNORE INTO orders (${COLUMNS}) VALUES (@number, @orderId, @itemId, @name, @quantity, @catalogSeq, @createdAt, @seq)`),
      clear: p('DELETE FROM orders'),
      meta: p('SELECT value FROM replica_meta WHERE key = ?'),
      setMeta: p('INSERT INTO replica_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
    };
  }

  private s(name: string): Statement {
    this.open();
    return this.q[name];
  }

  byOrderId(orderId: string): StoredOrder | undefined {
    return this.s('byId').get(orderId) as StoredOrder | undefined;
  }

  byNumber(number: number): StoredOrder | undefined {
    return this.s('byNumber').get(number) as StoredOrder | undefined;
  }

  /** The number the next confirmed order gets: contiguous from 0. */
  nextNumber(): number {
    const n = (this.s('last').get() as { n: number | null }).n;
    return n === null ? 0 : n + 1;
  }

  all(): StoredOrder[] {
    return this.s('all').all() as StoredOrder[];
  }

  /** Every catalog decrement up to this catalog log seq has a confirmed order. */
  watermark(): number {
    const row = this.s('meta').get(WATERMARK_KEY) as { value: string } | undefined;
    return row ? Number(JSON.parse(row.value)) : 0;
  }

  apply(entries: LogEntry<OrderEntryBody>[]): void {
    for (const e of entries) {
      if (e.body.type === 'confirm') this.s('insert').run({ ...e.body.order, seq: e.seq });
      else this.s('setMeta').run(WATERMARK_KEY, JSON.stringify(e.body.catalogSeq));
    }
  }

  snapshot(): OrderSnapshot {
    return { orders: this.all(), watermark: this.watermark() };
  }

  restore(s: OrderSnapshot): void {
    this.s('clear').run();
    for (const o of s.orders) this.s('insert').run(o);
    this.s('setMeta').run(WATERMARK_KEY, JSON.stringify(s.watermark));
  }
}
