import { Catch, Inject, Injectable } from '@nestjs/common';
import { AllErrorsFilter, HTTP_STATUS_OF, LOGGER, type HttpErrorReply } from '@app/cluster';
import { ErrorCode, type DomainError } from '@app/contracts';
import type { Logger } from 'pino';

/** The three client APIs the gateway serves, each with its own error body shape. */
export type Flavor = 'bazar' | 'toy-store' | 'bookstore';

/** Where a flavor's status differs from the default status of a code (HTTP_STATUS_OF). */
const STATUS_OVERRIDES: Record<Flavor, Partial<Record<ErrorCode, number>>> = {
  bazar: { [ErrorCode.OUT_OF_STOCK]: 410, [ErrorCode.CONFLICT]: 422 },
  'toy-store': { [ErrorCode.OUT_OF_STOCK]: 409, [ErrorCode.CONFLICT]: 422 },
  bookstore: {},
};

const RETRYABLE = new Set([ErrorCode.UNAVAILABLE, ErrorCode.NOT_LEADER, ErrorCode.STALE_TERM, ErrorCode.QUORUM_NOT_MET]);

export function contractError(flavor: Flavor, err: DomainError): HttpErrorReply {
  const status = STATUS_OVERRIDES[flavor][err.code] ?? HTTP_STATUS_OF[err.code];
  const headers = RETRYABLE.has(err.code) ? { 'Retry-After': String(err.details?.retryAfterSeconds ?? 1) } : undefined;
  if (err.code === ErrorCode.UNAUTHORIZED) return { status, body: { message: err.message }, headers };
  switch (flavor) {
    case 'bazar':
      return { status, body: { message: err.message }, headers };
    case 'toy-store':
      return { status, body: { error: { code: status, message: err.message } }, headers };
    case 'bookstore':
      return { status, body: { error: err.message }, headers };
  }
}

@Catch()
@Injectable()
export class BazarErrorsFilter extends AllErrorsFilter {
  constructor(@Inject(LOGGER) logger: Logger) {
    super(logger, (err) => contractError('bazar', err));
  }
}

@Catch()
@Injectable()
export class ToyStoreErrorsFilter extends AllErrorsFilter {
  constructor(@Inject(LOGGER) logger: Logger) {
    super(logger, (err) => contractError('toy-store', err));
  }
}

@Catch()
@Injectable()
export class BookstoreErrorsFilter extends AllErrorsFilter {
  constructor(@Inject(LOGGER) logger: Logger) {
    super(logger, (err) => contractError('bookstore', err));
  }
}
