import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, MetricsService, type LoadedConfig } from '@app/cluster';
import { DomainError, ErrorCode, type Item, type ItemKind } from '@app/contracts';
import { RedisCacheService } from '../cache/redis-cache.service';
import { GenerationCache, VersionedCache } from '../cache/versioned-cache';
import type { GatewayEnv } from '../config/gateway.config';
import { CatalogClient } from './catalog.client';

/**
 * Catalog reads through the gateway's L1 cache (ARCHITECTURE.md, "Read"). Items are cached by id
 * with their version; lists by key under a generation. Invalidations pushed by the catalog primary
 * and writes made through this gateway keep both fresh.
 */
@Injectable()
export class CatalogReadService {
  private readonly items: VersionedCache<Item>;
  private readonly lists: GenerationCache<Item[]>;
  /** item name → id, for the Toy Store's /products/:name (names do not change) */
  private readonly names = new Map<string, number>();
  private readonly itemHit;
  private readonly itemMiss;
  private readonly listHit;
  private readonly listMiss;

  constructor(
    private readonly client: CatalogClient,
    private readonly redis: RedisCacheService,
    @Inject(CONFIG) config: LoadedConfig<GatewayEnv>,
    metrics: MetricsService,
  ) {
    this.items = new VersionedCache(config.env.CACHE_MAX_ENTRIES);
    this.lists = new GenerationCache(Math.min(config.env.CACHE_MAX_ENTRIES, 1000));
    this.itemHit = metrics.cacheRequests.labels('item', 'hit');
    this.itemMiss = metrics.cacheRequests.labels('item', 'miss');
    this.listHit = metrics.cacheRequests.labels('list', 'hit');
    this.listMiss = metrics.cacheRequests.labels('list', 'miss');
  }

  /** The item, from the cache when there; NOT_FOUND when no replica has it. */
  async item(id: number, rid?: string): Promise<Item> {
    const cached = this.items.get(id);
    if (cached) {
      this.itemHit.inc();
      return cached;
    }
    this.itemMiss.inc();
    if (this.redis.enabled) {
      const shared = await this.redis.getItem(id);
      if (shared && shared.version >= this.items.floor(id)) {
        this.items.set(id, shared);
        return shared;
      }
    }
    const item = await this.client.get(id, this.items.floor(id), rid);
    this.items.set(id, item);
    if (this.redis.enabled) void this.redis.setItem(item);
    return item;
  }

  async byName(name: string, kind?: ItemKind, rid?: string): Promise<Item> {
    const id = this.names.get(name);
    if (id !== undefined) {
      const item = await this.item(id, rid).catch(() => undefined);
      if (item && item.title === name && (!kind || item.kind === kind)) return item;
    }
    this.itemMiss.inc();
    const item = await this.client.findByName(name, kind, (i) => this.items.floor(i.id), rid);
    this.items.set(item.id, item);
    this.names.set(name, item.id);
    return item;
  }

  search(topic: string, rid?: string): Promise<Item[]> {
    return this.cachedList(`topic:${topic}`, () => this.client.search(topic, (items) => this.fresh(items), rid));
  }

  list(kind?: ItemKind, rid?: string): Promise<Item[]> {
    return this.cachedList(`kind:${kind ?? '*'}`, () => this.client.list(kind, (items) => this.fresh(items), rid));
  }

  /** Every book (not toys): the Bookstore's GET /books, through L1 and, when configured, the Redis Cluster. */
  async books(rid?: string): Promise<Item[]> {
    if (!this.redis.enabled) return this.list('book', rid);
    const key = 'kind:book';
    const cached = this.lists.get(key);
    if (cached) {
      this.listHit.inc();
      return cached;
    }
    this.listMiss.inc();
    const gen = this.lists.generation;
    const shared = await this.redis.getBooks();
    if (shared && this.fresh(shared)) {
      this.lists.set(key, shared, gen);
      return shared;
    }
    const epoch = await this.redis.booksEpoch();
    const items = await this.client.list('book', (x) => this.fresh(x), rid);
    if (this.fresh(items)) {
      this.lists.set(key, items, gen);
      if (epoch !== null) void this.redis.setBooks(items, epoch);
    }
    return items;
  }

  /** A catalog write happened (pushed by the primary, or answered to this gateway): L1 and L2 drop older copies. */
  invalidate(changes: { id: number; version: number }[]): Promise<void> {
    for (const c of changes) this.items.invalidate(c.id, c.version);
    this.lists.invalidateAll();
    return this.redis.invalidate(changes);
  }

  /** The result of a write made through this gateway: newer than anything cached. */
  written(items: Item[]): void {
    for (const c of items) this.items.invalidate(c.id, c.version);
    this.lists.invalidateAll();
    for (const i of items) this.items.set(i.id, i);
    void this.redis.invalidate(items);
  }

  /** DELETE /invalidate/:id: drop the cached copy. */
  remove(id: number): void {
    this.items.remove(id);
    this.lists.invalidateAll();
  }

  private async cachedList(key: string, fetch: () => Promise<Item[]>): Promise<Item[]> {
    const cached = this.lists.get(key);
    if (cached) {
      this.listHit.inc();
      return cached;
    }
    this.listMiss.inc();
    const gen = this.lists.generation;
    const items = await fetch();
    if (this.fresh(items)) this.lists.set(key, items, gen);
    return items;
  }

  private fresh(items: Item[]): boolean {
    return items.every((i) => i.version >= this.items.floor(i.id));
  }
}

/** Rethrows NOT_FOUND with the message of the contract at hand. */
export function notFoundAs(message: string) {
  return (err: unknown): never => {
    if (err instanceof DomainError && err.code === ErrorCode.NOT_FOUND) throw new DomainError(ErrorCode.NOT_FOUND, message);
    throw err;
  };
}
