import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, LOGGER, PeerPool, sleep, type Elector, type LoadedConfig } from '@app/cluster';
import {
  CATALOG, DomainError, ErrorCode,
  type CatalogWrite, type CatalogWriteReply, type CatalogWriteRequest, type Item, type ItemKind,
} from '@app/contracts';
import type { Instance } from '@app/cluster';
import type { Logger } from 'pino';
import type { GatewayEnv } from '../config/gateway.config';
import { ElectionService } from '../cluster/election.service';

/** Errors after which a write certainly did not happen, or can be repeated without harm. */
const RETRY_WRITE = new Set([ErrorCode.NOT_LEADER, ErrorCode.STALE_TERM, ErrorCode.UNAVAILABLE]);

/**
 * Calls to the catalog replicas. Reads go round-robin over the replicas that are healthy and caught
 * up; one that fails or times out is skipped and the read retried on the next, and a reply older
 * than the newest version this gateway has seen (`minVersion`) is treated like a failure, so a
 * lagging backup never serves a stale read. Writes go to the primary, stamped with its term; through
 * a failover they wait for the new primary up to WRITE_DEADLINE_MS.
 */
@Injectable()
export class CatalogClient {
  private readonly elector: Elector;

  constructor(
    election: ElectionService,
    private readonly pool: PeerPool,
    @Inject(CONFIG) private readonly config: LoadedConfig<GatewayEnv>,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.elector = election.catalog;
  }

  get(id: number, minVersion: number, rid?: string): Promise<Item> {
    return this.read<Item>(CATALOG.GET, { id }, (i) => i.version >= minVersion, rid);
  }

  findByName(name: string, kind: ItemKind | undefined, minVersion: (i: Item) => number, rid?: string): Promise<Item> {
    return this.read<Item>(CATALOG.FIND_BY_NAME, { name, kind }, (i) => i.version >= minVersion(i), rid);
  }

  search(topic: string, fresh: (items: Item[]) => boolean, rid?: string): Promise<Item[]> {
    return this.read<Item[]>(CATALOG.SEARCH, { topic }, fresh, rid);
  }

  list(kind: ItemKind | undefined, fresh: (items: Item[]) => boolean, rid?: string): Promise<Item[]> {
    return this.read<Item[]>(CATALOG.LIST, { kind }, fresh, rid);
  }

  private async read<R>(pattern: string, payload: object, fresh: (r: R) => boolean, rid?: string): Promise<R> {
    let order = this.elector.readOrder();
    if (!order.length) {
      await this.elector.tick();
      order = this.elector.readOrder();
    }
    let stale: R | undefined;
    let lastErr: unknown;
    for (const replica of order) {
      try {
        const r = await this.pool.get(replica).send<R>(pattern, payload, this.config.env.READ_TIMEOUT_MS, rid);
        if (fresh(r)) return r;
        stale = r;
      } catch (err) {
        if (err instanceof DomainError && err.code !== ErrorCode.UNAVAILABLE) throw err;
        lastErr = err;
        void this.elector.reportFailure(replica.id, err);
      }
    }
    if (stale !== undefined) {
      // every replica that answered is behind a version we saw announced: the newest copy is lost
      // with a dead primary or still in flight; serve what exists rather than nothing
      this.logger.warn({ rid, pattern }, 'no replica had the newest announced version');
      return stale;
    }
    throw lastErr instanceof DomainError ? lastErr : new DomainError(ErrorCode.UNAVAILABLE, 'no catalog replica is available');
  }

  /**
   * Sends a write to the primary. `idempotent` writes (absolute values, or carrying an order id) are
   * repeated after a timeout too; others only after errors that prove they did not happen.
   */
  write(write: CatalogWrite, rid?: string, idempotent = true): Promise<CatalogWriteReply> {
    return this.callPrimary<CatalogWriteReply>(CATALOG.WRITE, (term) => ({ write, term } satisfies CatalogWriteRequest), rid, idempotent);
  }

  /** A message for the primary, stamped with its term, retried through a failover until WRITE_DEADLINE_MS. */
  async callPrimary<R>(pattern: string, payload: (term: import('@app/contracts').Term) => object, rid?: string, idempotent = true): Promise<R> {
    const deadline = Date.now() + this.config.env.WRITE_DEADLINE_MS;
    for (;;) {
      const leader = await this.elector.awaitLeader(Math.max(0, deadline - Date.now()));
      try {
        const attempt = Math.max(50, Math.min(this.config.env.ATTEMPT_TIMEOUT_MS, deadline - Date.now()));
        return await this.pool.get(leader.instance).send<R>(pattern, payload(leader.term), attempt, rid);
      } catch (err) {
        const e = err instanceof DomainError ? err : DomainError.fromWire(err);
        const notApplied = e.code === ErrorCode.NOT_LEADER || e.code === ErrorCode.STALE_TERM || e.details?.transport === 'ECONNREFUSED';
        if (!RETRY_WRITE.has(e.code) || !(idempotent || notApplied) || Date.now() >= deadline) throw e;
        this.logger.warn({ rid, err: e.message, leader: leader.instance.id }, `catalog ${pattern} retried after a leader change`);
        await this.elector.reportFailure(leader.instance.id, e);
        await sleep(50);
      }
    }
  }

  leaderOf(): Instance | null {
    return this.elector.currentLeader()?.instance ?? null;
  }
}
