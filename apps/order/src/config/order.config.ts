import { BaseEnv } from '@app/cluster';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

export class OrderEnv extends BaseEnv {
  /** longest an order waits for a majority of replicas before it fails (default 5000 ms) */
  @Type(() => Number) @IsInt() @Min(100) @Max(60000)
  WRITE_TIMEOUT_MS: number = 5000;

  /** how often the leader matches the catalog's recorded decrements with confirmed orders (default 2000 ms) */
  @Type(() => Number) @IsInt() @Min(50) @Max(600000)
  RECONCILE_INTERVAL_MS: number = 2000;

  /** age after which an order still pending is settled by reconciliation, not by its request (default 10000 ms) */
  @Type(() => Number) @IsInt() @Min(100) @Max(600000)
  PENDING_GRACE_MS: number = 10000;

  /** time a stock decrement may take at the catalog primary (default 5000 ms) */
  @Type(() => Number) @IsInt() @Min(100) @Max(60000)
  CATALOG_TIMEOUT_MS: number = 5000;
}
