import { Catch, HttpException, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { DomainError, ErrorCode, type WireError } from '@app/contracts';
import type { Logger } from 'pino';
import { throwError } from 'rxjs';
import { currentRequestId } from './request-context';

/** Default HTTP status of each domain error code (exhaustive: a new code must be placed here). */
export const HTTP_STATUS_OF: Record<ErrorCode, number> = {
  [ErrorCode.NOT_FOUND]: HttpStatus.NOT_FOUND,
  [ErrorCode.OUT_OF_STOCK]: HttpStatus.CONFLICT,
  [ErrorCode.VERSION_CONFLICT]: HttpStatus.CONFLICT,
  [ErrorCode.CONFLICT]: HttpStatus.CONFLICT,
  [ErrorCode.LOG_MISMATCH]: HttpStatus.CONFLICT,
  [ErrorCode.VALIDATION_FAILED]: HttpStatus.BAD_REQUEST,
  [ErrorCode.UNAUTHORIZED]: HttpStatus.UNAUTHORIZED,
  [ErrorCode.QUORUM_NOT_MET]: HttpStatus.SERVICE_UNAVAILABLE,
  [ErrorCode.NOT_LEADER]: HttpStatus.SERVICE_UNAVAILABLE,
  [ErrorCode.STALE_TERM]: HttpStatus.SERVICE_UNAVAILABLE,
  [ErrorCode.UNAVAILABLE]: HttpStatus.SERVICE_UNAVAILABLE,
  [ErrorCode.INTERNAL]: HttpStatus.INTERNAL_SERVER_ERROR,
};

export interface HttpErrorReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

interface FastifyReplyLike {
  status(code: number): FastifyReplyLike;
  header(k: string, v: string): FastifyReplyLike;
  send(body: unknown): void;
}

/**
 * The one place errors leave an app. RPC: a DomainError is serialised as {code, message, details};
 * anything else becomes INTERNAL and is logged. HTTP: a DomainError gets the status of its code and
 * a {"message"} body (HTTP controllers with contract-specific bodies install their own mapping via
 * `httpMapper`); an unknown error is a 500 whose correlation id is in the log.
 */
@Catch()
export class AllErrorsFilter implements ExceptionFilter {
  constructor(
    private readonly logger: Logger,
    private readonly httpMapper?: (err: DomainError, host: ArgumentsHost) => HttpErrorReply | undefined,
  ) {}

  catch(exception: unknown, host: ArgumentsHost) {
    if (host.getType() === 'rpc') {
      const wire: WireError = exception instanceof DomainError ? exception.toWire() : this.internal(exception);
      return throwError(() => wire);
    }
    const reply = host.switchToHttp().getResponse<FastifyReplyLike>();
    const out = this.toHttp(exception, host);
    reply.status(out.status);
    for (const [k, v] of Object.entries(out.headers ?? {})) reply.header(k, v);
    reply.send(out.body);
  }

  private toHttp(exception: unknown, host: ArgumentsHost): HttpErrorReply {
    if (exception instanceof DomainError) {
      const mapped = this.httpMapper?.(exception, host);
      if (mapped) return mapped;
      return { status: HTTP_STATUS_OF[exception.code], body: { message: exception.message } };
    }
    if (exception instanceof HttpException) {
      const res = exception.getResponse();
      const message = typeof res === 'string' ? res : (res as { message?: unknown }).message ?? exception.message;
      return { status: exception.getStatus(), body: { message: Array.isArray(message) ? message.join('; ') : message } };
    }
    const e = exception as { statusCode?: number; message?: string };
    if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
      return { status: e.statusCode, body: { message: e.message ?? 'bad request' } };
    }
    const wire = this.internal(exception);
    return { status: 500, body: { message: wire.message } };
  }

  private internal(exception: unknown): WireError {
    const correlationId = currentRequestId() ?? 'none';
    this.logger.error({ err: exception, correlationId }, 'unhandled error');
    return { code: ErrorCode.INTERNAL, message: `internal error (correlation id ${correlationId})` };
  }
}
