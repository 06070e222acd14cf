import { BaseEnv } from '@app/cluster';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';

export class GatewayEnv extends BaseEnv {
  /** bearer token of the admin routes; `npm start` generates one into the data dir when unset */
  @IsOptional() @IsString()
  BAZAAR_ADMIN_TOKEN?: string;

  /** time between health checks of the replicas (default 150 ms) */
  @Type(() => Number) @IsInt() @Min(20) @Max(10000)
  HEALTH_INTERVAL_MS: number = 150;

  /** consecutive failed health checks before a leader is replaced (default 2) */
  @Type(() => Number) @IsInt() @Min(1) @Max(20)
  FAILOVER_AFTER_MISSES: number = 2;

  /** time one catalog read may take before the next replica is tried (default 500 ms) */
  @Type(() => Number) @IsInt() @Min(10) @Max(30000)
  READ_TIMEOUT_MS: number = 500;

  /**
   * consecutive health checks that time out before a leader is replaced (default 4): a refused
   * connection (the process is gone) needs FAILOVER_AFTER_MISSES, a silent one (paused, or a busy
   * machine) this many, so a slow moment does not cost a failover
   */
  @Type(() => Number) @IsInt() @Min(1) @Max(50)
  FAILOVER_AFTER_TIMEOUTS: number = 4;

  /**
   * at start-up, how long the first election waits for every replica to be ready, so that the highest
   * id wins when all start together; a replica already leading is adopted at once (default 5000 ms)
   */
  @Type(() => Number) @IsInt() @Min(0) @Max(120000)
  ELECTION_GRACE_MS: number = 5000;

  /** longest a write may wait for a leader (through a failover) before it answers 503 (default 4000 ms) */
  @Type(() => Number) @IsInt() @Min(100) @Max(60000)
  WRITE_DEADLINE_MS: number = 4000;

  /** longest a buy or an order query may wait for an order leader, through a failover, before 503 (default 5000 ms) */
  @Type(() => Number) @IsInt() @Min(100) @Max(60000)
  BUY_DEADLINE_MS: number = 5000;

  /** time one attempt of a write or buy may take before it is repeated at the (possibly new) leader (default 1500 ms) */
  @Type(() => Number) @IsInt() @Min(50) @Max(60000)
  ATTEMPT_TIMEOUT_MS: number = 1500;

  /** Redis Cluster seed nodes for the L2 cache, "host:port,..." (default: the topology's `redis`, else none) */
  @IsOptional() @IsString()
  REDIS_NODES?: string;

  /** lifetime of an L2 (Redis) entry: bounds a stale entry's life after a delete lost in a failover (default 60000 ms) */
  @Type(() => Number) @IsInt() @Min(100) @Max(86400000)
  REDIS_TTL_MS: number = 60000;

  /** most items kept in the in-process cache (default 100000) */
  @Type(() => Number) @IsInt() @Min(0)
  CACHE_MAX_ENTRIES: number = 100000;
}
