import type { Stamped } from './replication';

export const CATALOG_SERVICE = 'catalog';

export const CATALOG = {
  GET: 'catalog.get',
  SEARCH: 'catalog.search',
  FIND_BY_NAME: 'catalog.find-by-name',
  LIST: 'catalog.list',
  WRITE: 'catalog.write',
  DECREMENTS: 'catalog.decrements',
} as const;

export type ItemKind = 'book' | 'toy';

export interface Item {
  id: number;
  kind: ItemKind;
  title: string;
  topic: string;
  author: string | null;
  /** Bazar's `cost` and the Toy Store's and Bookstore's `price` are this one number */
  price: number;
  quantity: number;
  /** grows by one with each change of the item; caches never go back to an older one */
  version: number;
}

/** One recorded change of an item's stock, against its cause (invariant 1 of ARCHITECTURE.md). */
export interface StockChange {
  /** the cause: `order:<id>`, `admin:<rid>`, `restock:<seq>`, `seed:<itemId>` */
  cause: string;
  itemId: number;
  delta: number;
}

export type CatalogWrite =
  | { type: 'set-price'; id: number; price: number }
  | { type: 'set-quantity'; id: number; quantity: number }
  | { type: 'decrement'; id: number; quantity: number; orderId: string }
  | { type: 'restock'; kind: ItemKind; below: number; to: number }
  | { type: 'add-item'; item: Omit<Item, 'id' | 'version'> }
  | { type: 'update-item'; id: number; fields: Partial<Pick<Item, 'title' | 'author' | 'price' | 'quantity' | 'topic'>>; kind?: ItemKind }
  /** two-phase commit, catalog side: reserve an id for a book and keep the insert prepared */
  | { type: 'tx-prepare'; txId: string; coordinator: number; item: Omit<Item, 'id' | 'version'> }
  | { type: 'tx-finish'; txId: string; decision: 'committed' | 'aborted' };

export interface CatalogWriteRequest extends Stamped {
  write: CatalogWrite;
}

export interface CatalogWriteReply {
  /** the items as they are after the write (for decrement: after this order's decrement) */
  items: Item[];
  /** sequence number of the log entry that carried the write (0 when it changed nothing) */
  seq: number;
  /** for a decrement that had already been applied for this order: true */
  duplicate?: boolean;
}

export interface GetItemRequest {
  id: number;
  rid?: string;
}

export interface SearchRequest {
  topic: string;
  rid?: string;
}

export interface FindByNameRequest {
  name: string;
  kind?: ItemKind;
  rid?: string;
}

export interface ListRequest {
  kind?: ItemKind;
  rid?: string;
}

/** A two-phase-commit transaction as the catalog keeps it (replicated like any change). */
export interface CatalogTx {
  txId: string;
  state: 'prepared' | 'committed' | 'aborted';
  coordinator: number;
  /** the book, with the id reserved for it */
  item: Omit<Item, 'version'>;
  at: string;
}

/** The body of one catalog log entry: the full state of each changed item and the stock changes. */
export interface CatalogEntryBody {
  items: Item[];
  stock: StockChange[];
  /** a transaction's new state, when the entry prepares or finishes one */
  tx?: CatalogTx;
}

export interface CatalogSnapshot {
  items: Item[];
  stock: (StockChange & { seq: number })[];
  txs?: CatalogTx[];
}

export const CATALOG_REPLICA = {
  STATUS: 'catalog.status',
  LEADER: 'catalog.leader',
  REPLICATE: 'catalog.replicate',
  ENTRIES_AFTER: 'catalog.entries-after',
} as const;

/** Stock decrements recorded against orders, after a catalog log seq (reconciliation of orders). */
export interface DecrementsRequest {
  afterSeq: number;
  limit: number;
  /** only these order ids (to check in-doubt orders) */
  orderIds?: string[];
  rid?: string;
}

export interface RecordedDecrement {
  orderId: string;
  itemId: number;
  title: string;
  quantity: number;
  seq: number;
}

export interface DecrementsReply {
  decrements: RecordedDecrement[];
}
