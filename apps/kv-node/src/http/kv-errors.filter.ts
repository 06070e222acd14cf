import { Catch, Inject, Injectable } from '@nestjs/common';
import { AllErrorsFilter, HTTP_STATUS_OF, LOGGER } from '@app/cluster';
import { ErrorCode } from '@app/contracts';
import type { Logger } from 'pino';

/**
 * The KV Datastore's error shape: {"Error": "..."}; a missing key is {"Error":"Key Not Found"}. An
 * error after which the operation certainly did not take effect carries `X-Bazaar-Applied: no`;
 * without it, a 503 means "unknown": the write may have been applied (retrying a put is harmless).
 */
@Catch()
@Injectable()
export class KvErrorsFilter extends AllErrorsFilter {
  constructor(@Inject(LOGGER) logger: Logger) {
    super(logger, (err) => {
      const status = HTTP_STATUS_OF[err.code];
      const headers: Record<string, string> = {};
      if (status === 503) headers['Retry-After'] = '1';
      // tells a client (and the tests' history recorder) that the write certainly did not happen
      if (status < 500 || err.details?.applied === false) headers['X-Bazaar-Applied'] = 'no';
      return { status, body: { Error: err.code === ErrorCode.NOT_FOUND ? 'Key Not Found' : err.message }, headers };
    });
  }
}
