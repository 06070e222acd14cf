import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { CONFIG, LOGGER, MetricsService, type LoadedConfig } from '@app/cluster';
import type { Item } from '@app/contracts';
import { Cluster } from 'ioredis';
import type { Logger } from 'pino';
import type { GatewayEnv } from '../config/gateway.config';

/** Stores an entry unless it is older than the key's floor or than what is stored (KEYS: entry, floor). */
const SET_IF_NEWER = `
local floor = tonumber(redis.call('GET', KEYS[2]) or '0')
local v = tonumber(ARGV[1])
if v < floor then return 0 end
local cur = redis.call('GET', KEYS[1])
if cur then
  local cv = tonumber(string.match(cur, '^(%d+)|'))
  if cv and cv >= v then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[2], 'PX', ARGV[3])
return 1`;

/** Raises the key's floor to the new version and drops an older entry (KEYS: entry, floor). */
const INVALIDATE = `
local v = tonumber(ARGV[1])
local floor = tonumber(redis.call('GET', KEYS[2]) or '0')
if v > floor then redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2]) end
local cur = redis.call('GET', KEYS[1])
if cur then
  local cv = tonumber(string.match(cur, '^(%d+)|'))
  if (not cv) or cv < v then redis.call('DEL', KEYS[1]) end
end
return 1`;

/** Stores the list only if no invalidation happened since the read began (KEYS: list, epoch). */
const SET_LIST_IF_EPOCH = `
local e = redis.call('GET', KEYS[2]) or '0'
if e ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`;

/**
 * The L2 cache: a Redis Cluster (ioredis Cluster), shared by every gateway, behind each one's L1.
 * Entries carry their version and a TTL; every write raises a floor so an older version never
 * replaces a newer one. Redis replicates asynchronously, so a delete (or floor) can be lost in a
 * failover: the TTL (REDIS_TTL_MS) bounds how long a stale entry can then live. Keys of one item share
 * a hash tag, so the Lua scripts touch one slot. Redis trouble never fails a read: the gateway goes to
 * the catalog instead (commandTimeout keeps that quick).
 */
@Injectable()
export class RedisCacheService implements OnModuleDestroy {
  private readonly cluster: Cluster | null;
  private readonly ttl: number;
  private readonly hit;
  private readonly miss;
  private warned = 0;

  constructor(@Inject(CONFIG) config: LoadedConfig<GatewayEnv>, @Inject(LOGGER) private readonly logger: Logger, metrics: MetricsService) {
    const nodes = (config.env.REDIS_NODES?.split(',') ?? config.topology.redis ?? []).map((s) => s.trim()).filter(Boolean);
    this.ttl = config.env.REDIS_TTL_MS;
    this.hit = metrics.cacheRequests.labels('redis', 'hit');
    this.miss = metrics.cacheRequests.labels('redis', 'miss');
    this.cluster = nodes.length
      ? new Cluster(nodes.map((n) => ({ host: n.split(':')[0], port: Number(n.split(':')[1]) })), {
        redisOptions: { commandTimeout: 300, connectTimeout: 1000, maxRetriesPerRequest: 1 },
        clusterRetryStrategy: (times) => Math.min(100 * times, 1000),
        enableOfflineQueue: true,
        slotsRefreshTimeout: 1000,
      })
      : null;
    this.cluster?.on('error', (err) => this.warn(err));
    if (this.cluster) this.cluster.defineCommand('bzSetIfNewer', { numberOfKeys: 2, lua: SET_IF_NEWER });
    if (this.cluster) this.cluster.defineCommand('bzInvalidate', { numberOfKeys: 2, lua: INVALIDATE });
    if (this.cluster) this.cluster.defineCommand('bzSetListIfEpoch', { numberOfKeys: 2, lua: SET_LIST_IF_EPOCH });
    if (this.cluster) logger.info({ nodes }, 'L2 cache: Redis Cluster');
  }

  get enabled(): boolean {
    return !!this.cluster;
  }

  onModuleDestroy(): void {
    this.cluster?.disconnect();
  }

  async getItem(id: number): Promise<Item | null> {
    const raw = await this.safe(() => this.cluster!.get(itemKey(id)));
    if (!raw) {
      this.miss.inc();
      return null;
    }
    this.hit.inc();
    return JSON.parse(raw.slice(raw.indexOf('|') + 1)) as Item;
  }

  async setItem(item: Item): Promise<void> {
    await this.safe(() => (this.cluster as unknown as Commands).bzSetIfNewer(itemKey(item.id), floorKey(item.id), item.version, JSON.stringify(item), this.ttl));
  }

  async invalidate(changes: { id: number; version: number }[]): Promise<void> {
    if (!this.cluster) return;
    await Promise.all([
      ...changes.map((c) => this.safe(() => (this.cluster as unknown as Commands).bzInvalidate(itemKey(c.id), floorKey(c.id), c.version, this.ttl * 10))),
      this.safe(() => this.cluster!.multi().incr(EPOCH_KEY).del(BOOKS_KEY).exec()),
    ]);
  }

  /** The epoch before a list read; pass it back to setBooks. */
  async booksEpoch(): Promise<string | null> {
    return this.safe(async () => (await this.cluster!.get(EPOCH_KEY)) ?? '0');
  }

  async getBooks(): Promise<Item[] | null> {
    const raw = await this.safe(() => this.cluster!.get(BOOKS_KEY));
    if (!raw) {
      this.miss.inc();
      return null;
    }
    this.hit.inc();
    return JSON.parse(raw) as Item[];
  }

  async setBooks(items: Item[], epoch: string): Promise<void> {
    await this.safe(() => (this.cluster as unknown as Commands).bzSetListIfEpoch(BOOKS_KEY, EPOCH_KEY, epoch, JSON.stringify(items), this.ttl));
  }

  private async safe<T>(fn: () => Promise<T>): Promise<T | null> {
    if (!this.cluster) return null;
    try {
      return await fn();
    } catch (err) {
      this.warn(err as Error);
      return null;
    }
  }

  private warn(err: Error): void {
    if (Date.now() - this.warned < 5000) return;
    this.warned = Date.now();
    this.logger.warn({ err: err.message }, 'L2 cache (Redis) unavailable; reading from the catalog');
  }
}

interface Commands {
  bzSetIfNewer(k1: string, k2: string, v: number, json: string, ttl: number): Promise<number>;
  bzInvalidate(k1: string, k2: string, v: number, ttl: number): Promise<number>;
  bzSetListIfEpoch(k1: string, k2: string, epoch: string, json: string, ttl: number): Promise<number>;
}

const itemKey = (id: number) => `bazaar:item:{${id}}`;
const floorKey = (id: number) => `bazaar:floor:{${id}}`;
const BOOKS_KEY = 'bazaar:books:{list}';
const EPOCH_KEY = 'bazaar:books-epoch:{list}';
