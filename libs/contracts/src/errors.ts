/**
 * Error codes that cross app boundaries. Services throw a DomainError with one of these; one RPC
 * filter serialises it, and each HTTP app maps codes to statuses in one exhaustive table.
 */
export enum ErrorCode {
  NOT_FOUND = 'NOT_FOUND',
  OUT_OF_STOCK = 'OUT_OF_STOCK',
  VERSION_CONFLICT = 'VERSION_CONFLICT',
  QUORUM_NOT_MET = 'QUORUM_NOT_MET',
  NOT_LEADER = 'NOT_LEADER',
  STALE_TERM = 'STALE_TERM',
  UNAVAILABLE = 'UNAVAILABLE',
  VALIDATION_FAILED = 'VALIDATION_FAILED',
  /** a replica was sent entries that do not follow its log (it will catch up on its own) */
  LOG_MISMATCH = 'LOG_MISMATCH',
  UNAUTHORIZED = 'UNAUTHORIZED',
  CONFLICT = 'CONFLICT',
  INTERNAL = 'INTERNAL',
}

export interface WireError {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }

  toWire(): WireError {
    return { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }

  static fromWire(err: unknown): DomainError {
    if (err instanceof DomainError) return err;
    if (isWireError(err)) return new DomainError(err.code, err.message, err.details);
    const message = err instanceof Error ? err.message : typeof err === 'object' && err && 'message' in err
      ? String((err as { message: unknown }).message) : String(err);
    return new DomainError(ErrorCode.INTERNAL, message);
  }
}

export function isWireError(err: unknown): err is WireError {
  return typeof err === 'object' && err !== null && 'code' in err && 'message' in err
    && Object.values(ErrorCode).includes((err as WireError).code);
}

export function isDomainError(err: unknown, code?: ErrorCode): err is DomainError {
  return err instanceof DomainError && (code === undefined || err.code === code);
}
