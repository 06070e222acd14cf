import { BaseEnv } from '@app/cluster';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsInt, Max, Min } from 'class-validator';

export class KvEnv extends BaseEnv {
  /** partitions of every namespace: the unit of placement and of anti-entropy (default 64) */
  @Type(() => Number) @IsInt() @Min(1) @Max(4096)
  KV_PARTITIONS: number = 64;

  /** replicas of each partition of a normal namespace (default 3) */
  @Type(() => Number) @IsInt() @Min(1) @Max(16)
  KV_REPLICATION_FACTOR: number = 3;

  /** UDP heartbeat period (default 100 ms) */
  @Type(() => Number) @IsInt() @Min(10) @Max(10000)
  KV_HEARTBEAT_MS: number = 100;

  /** a node not heard from for this long is down (default 500 ms) */
  @Type(() => Number) @IsInt() @Min(50) @Max(60000)
  KV_SUSPECT_AFTER_MS: number = 500;

  /**
   * At start-up, while no node leads, how long to wait for every node of the topology to be up and
   * refilled before the first election, so that nodes started together agree on the highest id at
   * once rather than electing each as it comes up (default 5000 ms)
   */
  @Type(() => Number) @IsInt() @Min(0) @Max(600000)
  KV_STARTUP_WAIT_MS: number = 5000;

  /** anti-entropy round period (default 2000 ms) */
  @Type(() => Number) @IsInt() @Min(50) @Max(600000)
  KV_ANTI_ENTROPY_MS: number = 2000;

  /** fsync every durable-log line (default false: a process crash loses nothing either way) */
  @Transform(({ value }) => value === true || value === '1' || value === 'true')
  @IsBoolean()
  KV_FSYNC: boolean = false;
}
