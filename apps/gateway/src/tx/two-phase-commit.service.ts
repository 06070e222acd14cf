import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { CONFIG, EventLog, Faults, LOGGER, rawDatabase, type LoadedConfig } from '@app/cluster';
import { decide, type Vote } from '@app/consistency';
import {
  CATALOG_TX, DomainError, ErrorCode, TX,
  type Item, type TxPrepareReply, type TxStatusReply,
} from '@app/contracts';
import type { Database, Statement } from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { CatalogClient } from '../catalog/catalog.client';
import type { GatewayEnv } from '../config/gateway.config';
import { KvClient } from '../kv/kv.client';
import type { TxLogRow } from './tx-log.entity';

export type NewBook = Pick<Item, 'title' | 'author' | 'price' | 'quantity'>;

/**
 * The coordinator of POST /books-2pc (two-phase commit, Gray 1978): participants are the catalog
 * primary (inserts the book) and the customers store (every customer's orders_count + 1). The
 * coordinator writes the transaction to its durable log before asking anyone to prepare, commits only
 * if both vote yes, logs the decision before telling anyone, and re-sends it until both acknowledge.
 * After a crash it finishes every logged transaction: a decided one gets its decision again, one still
 * preparing is aborted (presumed abort: with no decision logged, nobody can have committed). A
 * participant that prepared and hears nothing asks the coordinator (COORDINATOR.STATUS).
 * Fault points: 2pc.crash-after-prepare, 2pc.crash-after-decision, 2pc.crash-after-commit-one.
 */
@Injectable()
export class TwoPhaseCommitService implements OnApplicationBootstrap, OnModuleDestroy {
  private db: Database | null = null;
  private q!: Record<string, Statement>;
  private timer: NodeJS.Timeout | null = null;
  private readonly faults: Faults;
  private readonly startedAt = new Date().toISOString();
  private delivering = new Set<string>();

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly catalog: CatalogClient,
    private readonly kv: KvClient,
    @Inject(CONFIG) private readonly config: LoadedConfig<GatewayEnv>,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly events: EventLog,
  ) {
    this.faults = new Faults(config.faults, logger);
  }

  private s(name: string): Statement {
    if (!this.db) {
      this.db = rawDatabase(this.ds);
      const p = (sql: string) => this.db!.prepare(sql);
      this.q = {
        insert: p('INSERT INTO coordinator_txs (txId, state, done, book, itemId, reason, createdAt, updatedAt) VALUES (?, ?, 0, ?, NULL, NULL, ?, ?)'),
        decide: p('UPDATE coordinator_txs SET state = ?, itemId = ?, reason = ?, updatedAt = ? WHERE txId = ?'),
        done: p('UPDATE coordinator_txs SET done = 1, updatedAt = ? WHERE txId = ?'),
        get: p('SELECT * FROM coordinator_txs WHERE txId = ?'),
        open: p('SELECT * FROM coordinator_txs WHERE done = 0 ORDER BY createdAt'),
      };
    }
    return this.q[name];
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.recover(), 1000);
    this.timer.unref();
    void this.recover();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  status(txId: string): TxStatusReply {
    const row = this.s('get').get(txId) as TxLogRow | undefined;
    return { state: row ? row.state : 'unknown' };
  }

  async addBook(book: NewBook, rid?: string): Promise<{ id: number; txId: string }> {
    const txId = randomUUID();
    const now = new Date().toISOString();
    this.s('insert').run(txId, 'preparing', JSON.stringify(book), now, now);
    const votes: Record<string, Vote> = { catalog: 'unknown', customers: 'unknown' };
    const reasons: string[] = [];
    let itemId: number | null = null;
    const item = { kind: 'book' as const, topic: 'books', author: book.author, title: book.title, price: book.price, quantity: book.quantity };
    await Promise.all([
      this.catalog.callPrimary<TxPrepareReply>(CATALOG_TX.PREPARE, (term) => ({ txId, coordinator: this.config.self.id, item, term }), rid)
        .then((r) => {
          votes.catalog = r.vote;
          itemId = r.itemId ?? null;
          if (r.vote === 'no') reasons.push(`catalog: ${r.reason}`);
        })
        .catch((err: Error) => {
          votes.catalog = 'no';
          reasons.push(`catalog: ${err.message}`);
        }),
      this.kv.send<TxPrepareReply>(TX.PREPARE, { txId, coordinator: this.config.self.id }, rid)
        .then((r) => {
          votes.customers = r.vote;
          if (r.vote === 'no') reasons.push(`customers: ${r.reason}`);
        })
        .catch((err: Error) => {
          votes.customers = 'no';
          reasons.push(`customers: ${err.message}`);
        }),
    ]);
    this.faults.crashPoint('2pc.crash-after-prepare');
    const state = decide(votes, ['catalog', 'customers'], true) === 'commit' ? 'committed' : 'aborted';
    this.s('decide').run(state, itemId, reasons.join('; ') || null, new Date().toISOString(), txId);
    this.events.record('2pc', `2pc ${txId.slice(0, 8)}: ${state} (catalog ${votes.catalog}, customers ${votes.customers})`, { txId, state, votes });
    this.faults.crashPoint('2pc.crash-after-decision');
    await this.deliver(txId, state, rid);
    if (state === 'aborted') throw new DomainError(ErrorCode.UNAVAILABLE, `Failed to add book: ${reasons.join('; ')}`, { txId });
    return { id: itemId!, txId };
  }

  /** Sends the decision to both participants; marks the transaction done when both acknowledged. */
  private async deliver(txId: string, state: 'committed' | 'aborted', rid?: string): Promise<boolean> {
    if (this.delivering.has(txId)) return false;
    this.delivering.add(txId);
    try {
      const commit = state === 'committed';
      const catalogOk = await this.catalog.callPrimary(commit ? CATALOG_TX.COMMIT : CATALOG_TX.ABORT, (term) => ({ txId, term }), rid)
        .then(() => true, (err: Error) => {
          this.logger.warn({ rid, txId, err: err.message }, '2pc: catalog did not acknowledge the decision; will retry');
          return false;
        });
      if (commit) this.faults.crashPoint('2pc.crash-after-commit-one');
      const customersOk = await this.kv.send(commit ? TX.COMMIT : TX.ABORT, { txId }, rid)
        .then(() => true, (err: Error) => {
          this.logger.warn({ rid, txId, err: err.message }, '2pc: customers did not acknowledge the decision; will retry');
          return false;
        });
      if (catalogOk && customersOk) {
        this.s('done').run(new Date().toISOString(), txId);
        return true;
      }
      return false;
    } finally {
      this.delivering.delete(txId);
    }
  }

  /** Finishes what the log holds: decisions are re-sent; a transaction still preparing from before a restart (or for too long) is aborted. */
  private async recover(): Promise<void> {
    for (const row of this.s('open').all() as TxLogRow[]) {
      if (this.delivering.has(row.txId)) continue;
      if (row.state === 'preparing') {
        const stale = row.createdAt < this.startedAt || Date.now() - Date.parse(row.createdAt) > 30000;
        if (!stale) continue;
        this.s('decide').run('aborted', null, 'coordinator restarted before deciding (presumed abort)', new Date().toISOString(), row.txId);
        this.logger.warn({ txId: row.txId }, '2pc: aborting a transaction left preparing (presumed abort)');
        await this.deliver(row.txId, 'aborted');
      } else {
        await this.deliver(row.txId, row.state);
      }
    }
  }
}
