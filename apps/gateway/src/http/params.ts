import { ValidationPipe } from '@nestjs/common';
import { DomainError, ErrorCode } from '@app/contracts';

const ID = /^[1-9][0-9]{0,15}$/;

/** A path id: a positive integer, nothing else (no signs, spaces, exponents or leading zeros). */
export function parseId(raw: string, message: string): number {
  if (!ID.test(raw)) throw new DomainError(ErrorCode.VALIDATION_FAILED, message);
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new DomainError(ErrorCode.VALIDATION_FAILED, message);
  return n;
}

/** Validates a JSON body against a DTO; any failure is VALIDATION_FAILED with the contract's message. */
export function bodyPipe(message: string): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    forbidUnknownValues: true,
    exceptionFactory: (errors) => new DomainError(ErrorCode.VALIDATION_FAILED, message, {
      fields: errors.map((e) => e.property),
    }),
  });
}
