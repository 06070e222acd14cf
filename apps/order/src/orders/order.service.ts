import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { CONFIG, EventLog, Faults, LOGGER, type LoadedConfig } from '@app/cluster';
import { DomainError, ErrorCode, type BuyReply, type BuyRequest, type Order, type Term } from '@app/contracts';
import type { Logger } from 'pino';
import { CatalogWriter } from '../catalog/catalog-writer';
import type { OrderEnv } from '../config/order.config';
import { OrderReplica } from '../replication/order-replica';
import { OrderStore, type StoredOrder } from './order.store';

/** An order this leader has started and not yet confirmed. */
interface Pending {
  orderId: string;
  itemId: number;
  quantity: number;
  since: number;
}

const KEY = /^[\x21-\x7e]{1,200}$/;
const MAX_QUANTITY = 1_000_000;

/**
 * Buying, on the order leader (ARCHITECTURE.md, "Buy"): record the order as pending, take the stock
 * from the catalog primary with a conditional decrement recorded against the order's id, confirm the
 * order with the next number and replicate it to a majority, then answer.
 *
 * The pending record is kept in memory on purpose: it only tells reconciliation which decrements
 * are still being confirmed by their request. Nothing relies on it surviving a crash — a replica
 * restarts as a follower, and a new leader reconciles from the catalog's record of decrements, which
 * is where the stock actually went.
 *
 * The order id is derived from the idempotency key, so a retried request (after a timeout or a
 * failover, to this leader or the next) takes stock once and gets the same order. A crash between
 * the decrement and the confirmation leaves a decrement without an order; the leader's
 * reconciliation finds it in the catalog's record and confirms it (the request is rolled forward:
 * stock that was taken always has its order).
 */
@Injectable()
export class OrderService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly faults: Faults;
  private timer: NodeJS.Timeout | null = null;
  private reconciling: Promise<void> | null = null;

  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly orders: OrderStore,
    private readonly replica: OrderReplica,
    private readonly catalog: CatalogWriter,
    @Inject(CONFIG) private readonly config: LoadedConfig<OrderEnv>,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly events: EventLog,
  ) {
    this.faults = new Faults(config.faults, logger);
  }

  onApplicationBootstrap(): void {
    this.replica.onRoleChanged((role) => {
      this.pending.clear();
      if (role === 'leader') void this.reconcile();
    });
    this.timer = setInterval(() => void this.reconcile(), this.config.env.RECONCILE_INTERVAL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async buy(req: BuyRequest): Promise<BuyReply> {
    if (!Number.isSafeInteger(req?.itemId) || req.itemId < 1) throw bad('itemId must be a positive integer');
    if (!Number.isSafeInteger(req.quantity) || req.quantity < 1 || req.quantity > MAX_QUANTITY) throw bad('quantity must be a positive integer');
    if (typeof req.idempotencyKey !== 'string' || !KEY.test(req.idempotencyKey)) throw bad('idempotencyKey must be 1-200 visible ASCII characters');
    this.replica.assertLeader(req.term);
    const orderId = `idem:${req.idempotencyKey}`;

    const existing = this.orders.byOrderId(orderId);
    if (existing) return { order: await this.acknowledged(existing, req), duplicate: true };

    this.replica.assertCanAcknowledge(); // without a majority, take no stock
    if (!this.pending.has(orderId)) this.pending.set(orderId, { orderId, itemId: req.itemId, quantity: req.quantity, since: Date.now() });
    let decrement;
    try {
      decrement = await this.catalog.decrement(req.itemId, req.quantity, orderId, req.rid);
    } catch (err) {
      // A refusal certainly took nothing; any other failure leaves the order pending for reconciliation.
      if (err instanceof DomainError && [ErrorCode.OUT_OF_STOCK, ErrorCode.NOT_FOUND, ErrorCode.VALIDATION_FAILED].includes(err.code)) {
        this.pending.delete(orderId);
      }
      throw err;
    }
    this.faults.crashPoint('order.crash-after-decrement');
    const item = decrement.items[0];
    if (decrement.duplicate && item.id !== req.itemId) throw conflict();
    const { order, fresh } = await this.confirm({
      orderId, itemId: req.itemId, name: item.title, quantity: req.quantity, catalogSeq: decrement.seq,
    }, req.term, req.rid);
    this.pending.delete(orderId);
    if (order.itemId !== req.itemId || order.quantity !== req.quantity) throw conflict();
    return { order, duplicate: !fresh };
  }

  /** An order by number, once it is acknowledged (an unacknowledged one could vanish in a failover). */
  async get(number: number, stamp?: Term): Promise<Order> {
    if (!Number.isSafeInteger(number) || number < 0) throw bad('number must be a non-negative integer');
    this.replica.assertLeader(stamp);
    const row = this.orders.byNumber(number);
    if (!row) throw new DomainError(ErrorCode.NOT_FOUND, `order ${number} does not exist`);
    await this.replica.waitAcknowledged(row.seq);
    return toOrder(row);
  }

  /** Confirms an order (idempotent by order id): the next number, replicated to a majority. */
  private async confirm(o: Omit<Order, 'number' | 'createdAt'>, stamp?: Term, rid?: string): Promise<{ order: Order; fresh: boolean }> {
    let order: Order | undefined;
    let seenAt = 0;
    const entry = await this.replica.write(async () => {
      const existing = this.orders.byOrderId(o.orderId);
      if (existing) {
        order = toOrder(existing);
        seenAt = existing.seq;
        return null;
      }
      order = { ...o, number: this.orders.nextNumber(), createdAt: new Date().toISOString() };
      return { type: 'confirm', order };
    }, stamp);
    if (!entry) await this.replica.waitAcknowledged(seenAt);
    else this.logger.info({ rid, number: order!.number, orderId: o.orderId, itemId: o.itemId, quantity: o.quantity }, 'order confirmed');
    return { order: order!, fresh: !!entry };
  }

  private async acknowledged(row: StoredOrder, req: BuyRequest): Promise<Order> {
    if (row.itemId !== req.itemId || row.quantity !== req.quantity) throw conflict();
    await this.replica.waitAcknowledged(row.seq);
    return toOrder(row);
  }

  /**
   * Leader only: every decrement the catalog recorded against an order must have a confirmed order.
   * Decrements after the replicated watermark are checked in catalog-log order; one without an order
   * and not in flight here (pending for less than PENDING_GRACE_MS) is confirmed now. Pending orders
   * older than the grace whose decrement the catalog does not have are dropped: they took nothing.
   */
  reconcile(): Promise<void> {
    if (!this.replica.isLeader() || this.reconciling) return this.reconciling ?? Promise.resolve();
    this.reconciling = this.reconcileOnce()
      .catch((err) => this.logger.warn({ err: (err as Error).message }, 'reconciliation failed; will retry'))
      .finally(() => {
        this.reconciling = null;
      });
    return this.reconciling;
  }

  private async reconcileOnce(): Promise<void> {
    const grace = this.config.env.PENDING_GRACE_MS;
    let cursor = this.orders.watermark();
    for (;;) {
      const { decrements } = await this.catalog.decrements({ afterSeq: cursor, limit: 500 });
      if (!decrements.length) break;
      let advance = cursor;
      let blocked = false;
      for (const d of decrements) {
        if (!this.orders.byOrderId(d.orderId)) {
          const p = this.pending.get(d.orderId);
          if (p && Date.now() - p.since < grace) {
            blocked = true; // its request is still confirming it
            continue;
          }
          const { order } = await this.confirm({ orderId: d.orderId, itemId: d.itemId, name: d.title, quantity: d.quantity, catalogSeq: d.seq });
          this.pending.delete(d.orderId);
          this.events.record('reconciled', `order ${order.number} confirmed from the catalog's record (its leader had died)`, { orderId: d.orderId, number: order.number });
        }
        if (!blocked) advance = d.seq;
      }
      if (advance > cursor) {
        const through = advance;
        await this.replica.write(async () => ({ type: 'watermark', catalogSeq: through }));
        cursor = through;
      }
      if (blocked || decrements.length < 500) break;
    }
    const stale = [...this.pending.values()].filter((p) => Date.now() - p.since >= grace);
    if (stale.length) {
      const { decrements } = await this.catalog.decrements({ afterSeq: 0, limit: 1000, orderIds: stale.map((p) => p.orderId) });
      const taken = new Set(decrements.map((d) => d.orderId));
      for (const p of stale) {
        if (taken.has(p.orderId)) continue; // confirmed above, or at the next round
        this.pending.delete(p.orderId);
        this.logger.info({ orderId: p.orderId }, 'pending order took no stock: dropped');
      }
    }
  }

  /** For operators and tests: this replica's orders and pending orders. */
  list(): { orders: Order[]; pending: Pending[] } {
    return { orders: this.orders.all().map(toOrder), pending: [...this.pending.values()] };
  }
}

function toOrder(r: StoredOrder): Order {
  return { number: r.number, orderId: r.orderId, itemId: r.itemId, name: r.name, quantity: r.quantity, catalogSeq: r.catalogSeq, createdAt: r.createdAt };
}

function bad(message: string): DomainError {
  return new DomainError(ErrorCode.VALIDATION_FAILED, message);
}

function conflict(): DomainError {
  return new DomainError(ErrorCode.CONFLICT, 'this Idempotency-Key was already used for a different order');
}
