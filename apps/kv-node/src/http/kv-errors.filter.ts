import { Catch, Inject, Injectable } from '@nestjs/common';
import { AllErrorsFilter, HTTP_STATUS_OF, LOGGER } from '@app/cluster';
import { ErrorCode } from '@app/contracts';
import type { Logger } from 'pino';

/** The KV Datastore's error shape: {"Error": "..."}; a missing key is {"Error":"Key Not Found"}. */
@Catch()
@Injectable()
export class KvErrorsFilter extends AllErrorsFilter {
  constructor(@Inject(LOGGER) logger: Logger) {
    super(logger, (err) => {
      const status = HTTP_STATUS_OF[err.code];
      const retry = status === 503 ? { 'Retry-After': '1' } : undefined;
      return { status, body: { Error: err.code === ErrorCode.NOT_FOUND ? 'Key Not Found' : err.message }, headers: retry };
    });
  }
}
