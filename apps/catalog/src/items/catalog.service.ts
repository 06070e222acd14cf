import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { CONFIG, Faults, LOGGER, type LoadedConfig } from '@app/cluster';
import {
  DomainError, ErrorCode,
  type CatalogEntryBody, type CatalogWrite, type CatalogWriteReply, type DecrementsReply, type DecrementsRequest, type Item, type ItemKind,
  type StockChange, type Term,
} from '@app/contracts';
import type { Logger } from 'pino';
import type { Repository } from 'typeorm';
import type { CatalogEnv } from '../config/catalog.config';
import { CatalogReplica } from '../replication/catalog-replica';
import { InvalidationPusher } from './invalidation.pusher';
import { ItemRow, StockChangeRow } from './item.entity';
import { toItem } from './catalog.state';

/**
 * Reads from this replica's database; writes (primary only) computed from the current state under
 * the replica's log lock, so that a conditional decrement can never take stock twice or below zero.
 */
@Injectable()
export class CatalogService {
  private readonly faults: Faults;

  constructor(
    @InjectRepository(ItemRow) private readonly items: Repository<ItemRow>,
    @InjectRepository(StockChangeRow) private readonly stock: Repository<StockChangeRow>,
    private readonly replica: CatalogReplica,
    private readonly invalidations: InvalidationPusher,
    @Inject(CONFIG) config: LoadedConfig<CatalogEnv>,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.faults = new Faults(config.faults, logger);
  }

  async get(id: number): Promise<Item> {
    const row = await this.items.findOneBy({ id });
    if (!row) throw new DomainError(ErrorCode.NOT_FOUND, `no item with id ${id}`);
    return toItem(row);
  }

  async search(topic: string): Promise<Item[]> {
    return (await this.items.find({ where: { topic }, order: { id: 'ASC' } })).map(toItem);
  }

  async findByName(name: string, kind?: ItemKind): Promise<Item> {
    const row = await this.items.findOne({ where: kind ? { title: name, kind } : { title: name }, order: { id: 'ASC' } });
    if (!row) throw new DomainError(ErrorCode.NOT_FOUND, `no item named ${JSON.stringify(name)}`);
    return toItem(row);
  }

  async list(kind?: ItemKind): Promise<Item[]> {
    return (await this.items.find({ where: kind ? { kind } : {}, order: { id: 'ASC' } })).map(toItem);
  }

  /** Sum of the recorded stock changes per item: equals each item's quantity (invariant 1). */
  async ledger(): Promise<{ itemId: number; total: number; changes: number }[]> {
    const rows = await this.stock.createQueryBuilder('s')
      .select('s.itemId', 'itemId').addSelect('SUM(s.delta)', 'total').addSelect('COUNT(*)', 'changes')
      .groupBy('s.itemId').orderBy('s.itemId').getRawMany<{ itemId: number; total: number; changes: number }>();
    return rows.map((r) => ({ itemId: Number(r.itemId), total: Number(r.total), changes: Number(r.changes) }));
  }

  /** Decrements recorded against orders after a log seq, oldest first (for the order service's reconciliation). */
  async decrements(req: DecrementsRequest): Promise<DecrementsReply> {
    const q = this.stock.createQueryBuilder('s')
      .innerJoin(ItemRow, 'i', 'i.id = s.itemId')
      .select(['s.cause AS cause', 's.itemId AS itemId', 's.delta AS delta', 's.seq AS seq', 'i.title AS title'])
      .where("s.cause LIKE 'order:%'").andWhere('s.seq > :after', { after: req.afterSeq })
      .orderBy('s.seq', 'ASC').limit(Math.min(Math.max(req.limit, 1), 1000));
    if (req.orderIds) q.andWhere('s.cause IN (:...causes)', { causes: req.orderIds.length ? req.orderIds.map((o) => `order:${o}`) : [''] });
    const rows = await q.getRawMany<{ cause: string; itemId: number; delta: number; seq: number; title: string }>();
    return {
      decrements: rows.map((r) => ({ orderId: r.cause.slice('order:'.length), itemId: Number(r.itemId), title: r.title, quantity: -Number(r.delta), seq: Number(r.seq) })),
    };
  }

  async write(write: CatalogWrite, stamp?: Term): Promise<CatalogWriteReply> {
    validateWrite(write);
    let result: Item[] = [];
    let duplicateOf = 0;
    const entry = await this.replica.write(async (seq) => {
      const body = await this.compute(write, seq);
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
    this.logger.info({ write: write.type, seq: entry.seq, items: entry.body.items.map((i) => i.id) }, 'write acknowledged');
    this.faults.crashPoint('catalog.crash-before-invalidate');
    await this.invalidations.push(entry.body.items);
    return { items: result, seq: entry.seq };
  }

  private async compute(w: CatalogWrite, seq: number): Promise<CatalogEntryBody | { duplicateOf: number; items: Item[] } | null> {
    switch (w.type) {
      case 'set-price': {
        const item = await this.get(w.id);
        return { items: [{ ...item, price: w.price, version: item.version + 1 }], stock: [] };
      }
      case 'set-quantity': {
        const item = await this.get(w.id);
        const delta = w.quantity - item.quantity;
        return {
          items: [{ ...item, quantity: w.quantity, version: item.version + 1 }],
          stock: delta ? [{ cause: `admin:${seq}`, itemId: item.id, delta }] : [],
        };
      }
      case 'decrement': {
        const item = await this.get(w.id);
        const cause = `order:${w.orderId}`;
        const done = await this.stock.findOneBy({ cause, itemId: item.id });
        if (done) return { duplicateOf: done.seq, items: [item] };
        if (item.quantity < w.quantity) {
          throw new DomainError(ErrorCode.OUT_OF_STOCK, `item ${item.id} has ${item.quantity} in stock, ${w.quantity} requested`, { quantity: item.quantity });
        }
        return {
          items: [{ ...item, quantity: item.quantity - w.quantity, version: item.version + 1 }],
          stock: [{ cause, itemId: item.id, delta: -w.quantity }],
        };
      }
      case 'restock': {
        const low = await this.items.find({ where: { kind: w.kind }, order: { id: 'ASC' } });
        const items: Item[] = [];
        const stock: StockChange[] = [];
        for (const row of low) {
          if (row.quantity > w.below) continue;
          items.push({ ...toItem(row), quantity: w.to, version: row.version + 1 });
          stock.push({ cause: `restock:${seq}`, itemId: row.id, delta: w.to - row.quantity });
        }
        return items.length ? { items, stock } : null;
      }
      case 'add-item': {
        const maxRow = await this.items.findOne({ where: {}, order: { id: 'DESC' } });
        const id = (maxRow?.id ?? 0) + 1;
        return {
          items: [{ ...w.item, id, version: 1 }],
          stock: w.item.quantity ? [{ cause: `admin:${seq}`, itemId: id, delta: w.item.quantity }] : [],
        };
      }
      case 'update-item': {
        const item = await this.get(w.id);
        const next = { ...item, ...w.fields, version: item.version + 1 };
        const delta = next.quantity - item.quantity;
        return { items: [next], stock: delta ? [{ cause: `admin:${seq}`, itemId: item.id, delta }] : [] };
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
    default:
      throw bad(`unknown write type ${JSON.stringify((w as { type?: unknown }).type)}`);
  }
}
