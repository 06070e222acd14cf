import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { CONFIG, Elector, instancesOf, LOGGER, PeerPool, sleep, type LoadedConfig } from '@app/cluster';
import {
  CATALOG, CATALOG_SERVICE, DomainError, ErrorCode,
  type CatalogWriteReply, type CatalogWriteRequest, type DecrementsReply, type DecrementsRequest,
} from '@app/contracts';
import type { Logger } from 'pino';
import type { OrderEnv } from '../config/order.config';

const RETRY = new Set([ErrorCode.NOT_LEADER, ErrorCode.STALE_TERM, ErrorCode.UNAVAILABLE]);

/**
 * The order leader's link to the catalog primary. It follows which catalog replica is primary (an
 * observer: the gateways elect it) and sends the conditional decrements, which are idempotent by
 * order id and therefore safe to repeat through a catalog failover.
 */
@Injectable()
export class CatalogWriter implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly observer: Elector;

  constructor(
    @Inject(CONFIG) private readonly config: LoadedConfig<OrderEnv>,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly pool: PeerPool,
  ) {
    this.observer = new Elector({
      service: CATALOG_SERVICE, replicas: instancesOf(config.topology, 'catalog'), electorId: 0, policy: 'witness',
      leaderRole: 'primary', pool, logger, mode: 'observe', intervalMs: 500,
    });
  }

  onApplicationBootstrap(): void {
    this.observer.start();
  }

  onModuleDestroy(): void {
    this.observer.stop();
  }

  decrement(itemId: number, quantity: number, orderId: string, rid?: string): Promise<CatalogWriteReply> {
    return this.call<CatalogWriteReply, CatalogWriteRequest>(CATALOG.WRITE, (term) => ({ write: { type: 'decrement', id: itemId, quantity, orderId }, term }), rid);
  }

  decrements(req: Omit<DecrementsRequest, 'rid'>): Promise<DecrementsReply> {
    return this.call<DecrementsReply, DecrementsRequest>(CATALOG.DECREMENTS, () => req);
  }

  private async call<R, P extends object>(pattern: string, payload: (term: import('@app/contracts').Term) => P, rid?: string): Promise<R> {
    const deadline = Date.now() + this.config.env.CATALOG_TIMEOUT_MS;
    for (;;) {
      const primary = await this.observer.awaitLeader(Math.max(0, deadline - Date.now()));
      try {
        return await this.pool.get(primary.instance).send<R, P>(pattern, payload(primary.term), this.config.env.CATALOG_TIMEOUT_MS, rid);
      } catch (err) {
        const e = DomainError.fromWire(err);
        if (!RETRY.has(e.code) || Date.now() >= deadline) throw e;
        this.logger.warn({ rid, err: e.message }, `catalog ${pattern} retried`);
        await this.observer.reportFailure(primary.instance.id, e);
        await sleep(50);
      }
    }
  }
}
