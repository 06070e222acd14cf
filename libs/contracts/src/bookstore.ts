import type { Item, Stamped } from './index';

/** A Bookstore customer (kept in the kv datastore's `customers` namespace, on every kv-node). */
export interface Customer {
  id: number;
  name: string;
  email: string;
  orders_count: number;
}

export const CUSTOMERS = {
  LIST: 'customers.list',
  CREATE: 'customers.create',
  UPDATE: 'customers.update',
} as const;

export interface CustomersListRequest {
  /** this node's own replica instead of the leader-ordered view */
  local?: boolean;
  rid?: string;
}

export interface CustomerCreateRequest {
  name: string;
  email: string;
  rid?: string;
}

export interface CustomerUpdateRequest extends CustomerCreateRequest {
  id: number;
}

/** Two-phase commit between the gateway (coordinator) and its participants (Gray 1978). */
export const TX = {
  PREPARE: 'tx.prepare',
  COMMIT: 'tx.commit',
  ABORT: 'tx.abort',
} as const;

export const CATALOG_TX = {
  PREPARE: 'catalog.tx.prepare',
  COMMIT: 'catalog.tx.commit',
  ABORT: 'catalog.tx.abort',
} as const;

/** A participant asks the coordinator about a transaction it prepared and has not heard of since. */
export const COORDINATOR = {
  STATUS: 'gateway.tx-status',
} as const;

export type TxDecision = 'committed' | 'aborted';

export interface TxPrepareRequest extends Stamped {
  txId: string;
  /** gateway id of the coordinator, to ask it about the transaction when in doubt */
  coordinator: number;
  /** catalog: the book to insert */
  item?: Omit<Item, 'id' | 'version'>;
}

export interface TxPrepareReply {
  vote: 'yes' | 'no';
  reason?: string;
  /** catalog: the id reserved for the book */
  itemId?: number;
  /** customers: how many customers the transaction will count */
  customers?: number;
}

export interface TxFinishRequest extends Stamped {
  txId: string;
}

export interface TxStatusRequest {
  txId: string;
}

export interface TxStatusReply {
  state: 'preparing' | TxDecision | 'unknown';
}
