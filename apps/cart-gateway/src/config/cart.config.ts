import { BaseEnv } from '@app/cluster';
import { Transform, Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';

export class CartEnv extends BaseEnv {
  /** replicas of each key (default 3) */
  @Type(() => Number) @IsInt() @Min(1) @Max(16)
  CART_N: number = 3;

  /** replicas a read waits for (default 2; R + W > N is checked at boot) */
  @Type(() => Number) @IsInt() @Min(1) @Max(16)
  CART_R: number = 2;

  /** replicas a write waits for (default 2) */
  @Type(() => Number) @IsInt() @Min(1) @Max(16)
  CART_W: number = 2;

  /** time between health checks of the kv-nodes (default 200 ms) */
  @Type(() => Number) @IsInt() @Min(20) @Max(10000)
  CART_HEALTH_INTERVAL_MS: number = 200;

  /** bearer token of the membership routes (join, leave); `npm start` generates one when unset */
  @IsOptional() @IsString()
  BAZAAR_ADMIN_TOKEN?: string;

  /**
   * Where to reach kv-nodes instead of the topology's address, "id=host:port,...": used by tests to put
   * a fault proxy between this gateway and a node (default: none)
   */
  @IsOptional() @IsString()
  @Transform(({ value }) => (value === '' ? undefined : value))
  KV_ADDRESS_OVERRIDES?: string;
}
