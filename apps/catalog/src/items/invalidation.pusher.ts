import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, instancesOf, LOGGER, PeerPool, type LoadedConfig } from '@app/cluster';
import { GATEWAY, type InvalidateRequest, type Item } from '@app/contracts';
import type { Logger } from 'pino';
import type { CatalogEnv } from '../config/catalog.config';

/**
 * Server-push cache invalidation (the Toy Store's design): after each write the primary tells every
 * gateway the new version of each changed item and waits, a bounded time, for their acknowledgements,
 * so the next read through any gateway that answered is fresh. A gateway that does not answer in time
 * is logged; its cache still refuses versions older than the newest it has seen.
 */
@Injectable()
export class InvalidationPusher {
  constructor(
    @Inject(CONFIG) private readonly config: LoadedConfig<CatalogEnv>,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly pool: PeerPool,
  ) {}

  async push(items: Item[]): Promise<void> {
    if (!items.length) return;
    const req: InvalidateRequest = { items: items.map((i) => ({ id: i.id, version: i.version })) };
    const gateways = instancesOf(this.config.topology, 'gateway');
    const results = await Promise.allSettled(gateways.map((g) =>
      this.pool.get(g).send(GATEWAY.INVALIDATE, req, this.config.env.INVALIDATION_TIMEOUT_MS)));
    results.forEach((r, i) => {
      if (r.status === 'rejected') this.logger.warn({ gateway: gateways[i].id, err: (r.reason as Error).message }, 'invalidation not acknowledged');
    });
  }
}
