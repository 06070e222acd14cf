import { BaseEnv } from '@app/cluster';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

export class CatalogEnv extends BaseEnv {
  /** how often the primary puts every toy at 0 back to 100 (default 10000 ms; 0 turns it off) */
  @Type(() => Number) @IsInt() @Min(0)
  RESTOCK_INTERVAL_MS: number = 10000;

  /** longest a write waits for the gateways to acknowledge its cache invalidation (default 300 ms) */
  @Type(() => Number) @IsInt() @Min(0) @Max(10000)
  INVALIDATION_TIMEOUT_MS: number = 300;

  /** longest a write waits for the backup (or a hint in recovery) before it fails (default 5000 ms) */
  @Type(() => Number) @IsInt() @Min(100) @Max(60000)
  WRITE_TIMEOUT_MS: number = 5000;
}
