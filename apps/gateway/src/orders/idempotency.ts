import { DomainError, ErrorCode } from '@app/contracts';
import { randomUUID } from 'node:crypto';

const KEY = /^[\x21-\x7e]{1,200}$/;

/**
 * The idempotency key of a buy: the client's `Idempotency-Key` header when it sent one (1-200 visible
 * ASCII characters), otherwise a fresh one, so that the gateway's own retries through a failover
 * still take stock once.
 */
export function idempotencyKey(header: string | undefined): string {
  if (header === undefined) return `gw-${randomUUID()}`;
  if (!KEY.test(header)) throw new DomainError(ErrorCode.VALIDATION_FAILED, 'Idempotency-Key must be 1-200 visible ASCII characters');
  return `client-${header}`;
}

/** Rethrows domain errors with the message a contract fixes for their code. */
export function withMessages(messages: Partial<Record<ErrorCode, string>>) {
  return (err: unknown): never => {
    if (err instanceof DomainError && messages[err.code]) throw new DomainError(err.code, messages[err.code]!, err.details);
    throw err;
  };
}
