import { applyDecorators, Catch, Controller, Inject, Injectable, UseFilters, UseInterceptors } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from './core.module';
import { AllErrorsFilter } from './errors-filter';
import { RpcContextInterceptor } from './request-context.interceptor';

/** Serialises errors of TCP handlers as {code, message, details}. */
@Catch()
@Injectable()
export class RpcErrorsFilter extends AllErrorsFilter {
  constructor(@Inject(LOGGER) logger: Logger) {
    super(logger);
  }
}

/**
 * A controller of TCP message handlers: its errors travel as domain error codes and its handlers run
 * in the caller's request context. (Scoped to RPC controllers on purpose: the microservice of a
 * hybrid app that inherits the app config shares its global enhancers with HTTP, and an interceptor
 * on the HTTP path halves the throughput of cached reads.)
 */
export function RpcController(): ClassDecorator {
  return applyDecorators(Controller(), UseFilters(RpcErrorsFilter), UseInterceptors(RpcContextInterceptor));
}
