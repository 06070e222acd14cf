import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, Faults, LOGGER, type LoadedConfig } from '@app/cluster';
import {
  DomainError, ErrorCode,
  type CatalogEntryBody, type CatalogWrite, type CatalogWriteReply, type DecrementsReply, type DecrementsRequest, type Item, type ItemKind,
  type StockChange, type Term,
} from '@app/contracts';
import type { Logger } from 'pino';
import type { CatalogEnv } from '../config/catalog.config';
import { CatalogReplica } from '../replication/catalog-replica';
import { CatalogStore } from './catalog.store';
import { InvalidationPusher } from './invalidation.pusher';

/**
 * Reads from this replica's database; writes (primary only) computed from the current state under
 * the replica's log lock, so that a conditional decrement can never take stock twice or below zero.
 */
@Injectable()
export class CatalogService {
  private readonly faults: Faults;

  constructor(
    private readonly store: CatalogStore,
    private readonly replica: CatalogReplica,
    private readonly invalidations: InvalidationPusher,
    @Inject(CONFIG) config: LoadedConfig<CatalogEnv>,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.faults = new Faults(config.faults, logger);
  }

  get(id: number): Item {
    const item = this.store.item(id);
    if (!item) throw new DomainError(ErrorCode.NOT_FOUND, `no item with id ${id}`);
    return item;
  }

  search(topic: string): Item[] {
    return this.store.byTopic(topic);
  }

  findByName(name: string, kind?: ItemKind): Item {
    const item = this.store.byName(name, kind);
    if (!item) throw new DomainError(ErrorCode.NOT_FOUND, `no item named ${JSON.stringify(name)}`);
    return item;
  }

  list(kind?: ItemKind): Item[] {
    return this.store.list(kind);
  }

  /** Sum of the recorded stock changes per item: equals each item's quantity (invariant 1). */
  ledger(): { itemId: number; total: number; changes: number }[] {
    return this.store.ledger();
  }

  /** Decrements recorded against orders after a log seq, oldest first (for the order service's reconciliation). */
  decrements(req: DecrementsRequest): DecrementsReply {
    return { decrements: this.store.decrements(req.afterSeq, Math.min(Math.max(req.limit, 1), 1000), req.orderIds) };
  }

  async write(write: CatalogWrite, stamp?: Term, rid?: string): Promise<CatalogWriteReply> {
    validateWrite(write);
    let result: Item[] = [];
    let duplicateOf = 0;
    const entry = await this.replica.write(async (seq) => {
      const body = this.compute(write, seq);
      if (body === null) return null;
      if ('duplicateOf' in body) {
        duplicateOf = body.duplicateOf;
        result = body.items;
        return null;
      }
      result = body.items;
      return body;
    }, stamp);
    if (!entry) {
      // a repeated decrement for the same order: answer like the first one, once that one is acknowledged
      if (duplicateOf) await this.replica.waitAcknowledged(duplicateOf);
      return { items: result, seq: duplicateOf, duplicate: duplicateOf > 0 };
    }
    this.logger.info({ rid, write: write.type, seq: entry.seq, items: entry.body.items.map((i) => i.id) }, 'write acknowledged');
    this.faults.crashPoint('catalog.crash-before-invalidate');
    await this.invalidations.push(entry.body.items, rid);
    return { items: result, seq: entry.seq };
  }

  private compute(w: CatalogWrite, seq: number): CatalogEntryBody | { duplicateOf: number; items: Item[] } | null {
    switch (w.type) {
      case 'set-price': {
        const item = this.get(w.id);
        return { items: [{ ...item, price: w.price, version: item.version + 1 }], stock: [] };
      }
      case 'set-quantity': {
        const item = this.get(w.id);
        const delta = w.quantity - item.quantity;
        return {
          items: [{ ...item, quantity: w.quantity, version: item.version + 1 }],
          stock: delta ? [{ cause: `admin:${seq}`, itemId: item.id, delta }] : [],
        };
      }
      case 'decrement': {
        const item = this.get(w.id);
        const cause = `order:${w.orderId}`;
        const done = this.store.changeSeq(cause, item.id);
        if (done !== undefined) return { duplicateOf: done, items: [item] };
        if (item.quantity < w.quantity) {
          throw new DomainError(ErrorCode.OUT_OF_STOCK, `item ${item.id} has ${item.quantity} in stock, ${w.quantity} requested`, { quantity: item.quantity });
        }
        return {
          items: [{ ...item, quantity: item.quantity - w.quantity, version: item.version + 1 }],
          stock: [{ cause, itemId: item.id, delta: -w.quantity }],
        };
      }
      case 'restock': {
        const items: Item[] = [];
        const stock: StockChange[] = [];
        for (const row of this.store.list(w.kind)) {
          if (row.quantity > w.below) continue;
          items.push({ ...row, quantity: w.to, version: row.version + 1 });
          stock.push({ cause: `restock:${seq}`, itemId: row.id, delta: w.to - row.quantity });
        }
        return items.length ? { items, stock } : null;
      }
      case 'add-item': {
        const id = this.store.maxId() + 1;
        return {
          items: [{ ...w.item, id, version: 1 }],
          stock: w.item.quantity ? [{ cause: `admin:${seq}`, itemId: id, delta: w.item.quantity }] : [],
        };
      }
      case 'update-item': {
        const item = this.get(w.id);
        if (w.kind && item.kind !== w.kind) throw new DomainError(ErrorCode.NOT_FOUND, `no ${w.kind} with id ${w.id}`);
        const next = { ...item, ...w.fields, version: item.version + 1 };
        const delta = next.quantity - item.quantity;
        return { items: [next], stock: delta ? [{ cause: `admin:${seq}`, itemId: item.id, delta }] : [] };
      }
      case 'tx-prepare': {
        // idempotent: a repeated prepare answers like the first (its entry has the tx's state)
        if (this.store.tx(w.txId)) return null;
        const id = this.store.maxId() + 1;
        return { items: [], stock: [], tx: { txId: w.txId, state: 'prepared', coordinator: w.coordinator, item: { ...w.item, id }, at: new Date().toISOString() } };
      }
      case 'tx-finish': {
        const tx = this.store.tx(w.txId);
        if (!tx) {
          // never prepared here (the prepare was lost): an abort needs nothing, a commit cannot happen
          if (w.decision === 'aborted') return null;
          throw new DomainError(ErrorCode.CONFLICT, `transaction ${w.txId} was not prepared here`);
        }
        if (tx.state !== 'prepared') {
          if (tx.state === w.decision) return null;
          throw new DomainError(ErrorCode.CONFLICT, `transaction ${w.txId} is already ${tx.state}`);
        }
        if (w.decision === 'aborted') return { items: [], stock: [], tx: { ...tx, state: 'aborted' } };
        const item: Item = { ...tx.item, version: 1 };
        return {
          items: [item],
          stock: item.quantity ? [{ cause: `tx:${w.txId}`, itemId: item.id, delta: item.quantity }] : [],
          tx: { ...tx, state: 'committed' },
        };
      }
    }
  }
}

/** Writes come from other apps over TCP: check them here too, so bad input can never reach the log. */
function validateWrite(w: CatalogWrite): void {
  const bad = (msg: string) => new DomainError(ErrorCode.VALIDATION_FAILED, msg);
  const isId = (n: unknown) => Number.isSafeInteger(n) && (n as number) > 0;
  const isQty = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;
  const isPrice = (n: unknown) => typeof n === 'number' && Number.isFinite(n) && n >= 0;
  if (!w || typeof w !== 'object') throw bad('write must be an object');
  switch (w.type) {
    case 'set-price':
      if (!isId(w.id) || !isPrice(w.price)) throw bad('set-price needs a positive integer id and a price >= 0');
      return;
    case 'set-quantity':
      if (!isId(w.id) || !isQty(w.quantity)) throw bad('set-quantity needs a positive integer id and an integer quantity >= 0');
      return;
    case 'decrement':
      if (!isId(w.id) || !isId(w.quantity) || typeof w.orderId !== 'string' || !w.orderId) throw bad('decrement needs id, quantity >= 1 and orderId');
      return;
    case 'restock':
      if (!['book', 'toy'].includes(w.kind) || !isQty(w.below) || !isQty(w.to)) throw bad('restock needs kind, below and to');
      return;
    case 'add-item': {
      const i = w.item;
      if (!i || typeof i.title !== 'string' || !i.title || typeof i.topic !== 'string' || !['book', 'toy'].includes(i.kind)
        || !isPrice(i.price) || !isQty(i.quantity) || (i.author !== null && typeof i.author !== 'string')) throw bad('add-item needs a complete item');
      return;
    }
    case 'update-item': {
      const f = w.fields ?? {};
      if (!isId(w.id) || (f.price !== undefined && !isPrice(f.price)) || (f.quantity !== undefined && !isQty(f.quantity))
        || (f.title !== undefined && (typeof f.title !== 'string' || !f.title))) throw bad('update-item has invalid fields');
      return;
    }
    case 'tx-prepare': {
      const i = w.item;
      if (typeof w.txId !== 'string' || !w.txId || !Number.isSafeInteger(w.coordinator) || !i || typeof i.title !== 'string' || !i.title
        || !isPrice(i.price) || !isQty(i.quantity)) throw bad('tx-prepare needs txId, coordinator and a complete book');
      return;
    }
    case 'tx-finish':
      if (typeof w.txId !== 'string' || !['committed', 'aborted'].includes(w.decision)) throw bad('tx-finish needs txId and decision');
      return;
    default:
      throw bad(`unknown write type ${JSON.stringify((w as { type?: unknown }).type)}`);
  }
}
