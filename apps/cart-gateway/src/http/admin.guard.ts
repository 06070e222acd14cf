import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { DomainError, ErrorCode } from '@app/contracts';
import { createHash, timingSafeEqual } from 'node:crypto';

export const ADMIN_TOKEN = Symbol('ADMIN_TOKEN');
const digest = (s: string) => createHash('sha256').update(s).digest();

/** Membership changes need `Authorization: Bearer <BAZAAR_ADMIN_TOKEN>`. */
@Injectable()
export class AdminGuard implements CanActivate {
  private readonly expected: Buffer | null;

  constructor(@Inject(ADMIN_TOKEN) token: string | undefined) {
    this.expected = token ? digest(token) : null;
  }

  canActivate(ctx: ExecutionContext): boolean {
    const header = ctx.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>().headers.authorization;
    if (!this.expected) throw new DomainError(ErrorCode.UNAUTHORIZED, 'admin routes are disabled: no admin token is configured');
    if (!header?.startsWith('Bearer ') || !timingSafeEqual(digest(header.slice(7).trim()), this.expected)) {
      throw new DomainError(ErrorCode.UNAUTHORIZED, 'this route needs the admin token: Authorization: Bearer <token>');
    }
    return true;
  }
}
