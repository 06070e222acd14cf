/** Bodies fixed by the seed systems' contracts (../shared/CONTRACTS.md). */
export const BAZAR = {
  NO_TOPIC: 'There are no books under this topic',
  NO_BOOK: 'There is no book with this ID',
  BAD_REQUEST: 'bad request can not handle the request due to invaled data',
  BUY_GONE: 'This book is currently unavailable',
  BUY_NO_BOOK: 'This book unavailable',
  NOT_READY: 'The server is not ready to handle the request',
  INVALIDATED: 'the item removed from the cache',
  BAD_ID: 'invalid id: it must be a positive integer',
} as const;

export const TOY_STORE = {
  NOT_FOUND: 'product not found',
  OUT_OF_STOCK: 'product out of stock',
  BAD_QUANTITY: 'invalid quantity requested',
  BAD_ORDER: 'invalid order',
  NO_ORDER: 'order_id does not exist',
  BAD_ORDER_ID: 'invalid order_id',
} as const;
