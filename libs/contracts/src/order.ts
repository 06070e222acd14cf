import type { Stamped } from './replication';

export const ORDER_SERVICE = 'order';

export const ORDER = {
  BUY: 'order.buy',
  GET: 'order.get',
} as const;

export const ORDER_REPLICA = {
  STATUS: 'order.status',
  LEADER: 'order.leader',
  REPLICATE: 'order.replicate',
  ENTRIES_AFTER: 'order.entries-after',
} as const;

/** A confirmed order. Bazar's `order_id` and the Toy Store's `order_number` are its `number`. */
export interface Order {
  /** unique, contiguous from 0 across the cluster, given at confirmation */
  number: number;
  /** the id the catalog records the stock decrement against: `idem:<Idempotency-Key>` */
  orderId: string;
  itemId: number;
  name: string;
  quantity: number;
  /** catalog log seq of the stock decrement */
  catalogSeq: number;
  createdAt: string;
}

export interface BuyRequest extends Stamped {
  itemId: number;
  quantity: number;
  /** the client's Idempotency-Key, or one the gateway made for this request */
  idempotencyKey: string;
}

export interface BuyReply {
  order: Order;
  /** true when the key had already bought: this is the earlier order */
  duplicate: boolean;
}

export interface GetOrderRequest extends Stamped {
  number: number;
}

export type OrderEntryBody =
  | { type: 'confirm'; order: Order }
  /** every stock decrement the catalog recorded up to this catalog seq has a confirmed order */
  | { type: 'watermark'; catalogSeq: number };

export interface OrderSnapshot {
  orders: (Order & { seq: number })[];
  watermark: number;
}
