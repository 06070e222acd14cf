import { AsyncLocalStorage } from 'node:async_hooks';

/** The request id of the client request being served; it travels with every TCP call it causes. */
export interface RequestContext {
  rid: string;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();

export function currentRequestId(): string | undefined {
  return requestContext.getStore()?.rid;
}

let counter = 0;
const prefix = `${process.pid.toString(36)}-${Date.now().toString(36)}`;

/** Cheap unique ids: process-unique prefix and a counter (no randomness on the hot path). */
export function newRequestId(): string {
  counter += 1;
  return `${prefix}-${counter.toString(36)}`;
}
