import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { DomainError } from '@app/contracts';
import { Observable } from 'rxjs';
import { MetricsService } from './metrics';
import { newRequestId, requestContext } from './request-context';

/**
 * Runs each handler inside the request's context (its id, for logs and outgoing RPCs). For TCP
 * messages it also records the handling time per pattern; HTTP requests are measured by a Fastify
 * hook installed at bootstrap, which also sees requests rejected before Nest.
 */
@Injectable()
export class RequestContextInterceptor implements NestInterceptor {
  constructor(private readonly metrics: MetricsService) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() === 'http') {
      const rid = ctx.switchToHttp().getRequest<{ id: string }>().id;
      return new Observable((sub) => requestContext.run({ rid }, () => next.handle().subscribe(sub)));
    }
    const data = ctx.switchToRpc().getData<{ rid?: unknown }>();
    const rid = typeof data?.rid === 'string' ? data.rid : newRequestId();
    const pattern = ctx.switchToRpc().getContext<{ getPattern?: () => string }>()?.getPattern?.() ?? 'unknown';
    const start = process.hrtime.bigint();
    const observe = (outcome: string) =>
      this.metrics.rpcDuration.observe({ pattern, outcome }, Number(process.hrtime.bigint() - start) / 1e9);
    return new Observable((sub) =>
      requestContext.run({ rid }, () =>
        next.handle().subscribe({
          next: (v) => sub.next(v),
          error: (e) => {
            observe(e instanceof DomainError ? e.code : 'error');
            sub.error(e);
          },
          complete: () => {
            observe('ok');
            sub.complete();
          },
        }),
      ),
    );
  }
}
