import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, instancesOf, LOGGER, PeerPool, type Instance, type LoadedConfig } from '@app/cluster';
import { GATEWAY, type InvalidateRequest, type Item } from '@app/contracts';
import type { Logger } from 'pino';
import type { CatalogEnv } from '../config/catalog.config';

interface Waiting {
  versions: Map<number, number>;
  done: Promise<void>;
  resolve: () => void;
  rid?: string;
}

/**
 * Server-push cache invalidation (the Toy Store's design): after each write the primary tells every
 * gateway the new version of each changed item and waits, a bounded time, for their acknowledgements,
 * so the next read through any gateway that answered is fresh. A gateway that does not answer in time
 * is logged; its cache still refuses versions older than the newest it has seen.
 *
 * Under load, writes that finish while a push is in flight are coalesced into the next push (one
 * message per gateway carries them all, newest version per item), each write still waiting for the
 * push that carries it.
 */
@Injectable()
export class InvalidationPusher {
  private readonly gateways: Instance[];
  private inFlight: Promise<void> | null = null;
  private next: Waiting | null = null;

  constructor(
    @Inject(CONFIG) private readonly config: LoadedConfig<CatalogEnv>,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly pool: PeerPool,
  ) {
    this.gateways = instancesOf(config.topology, 'gateway');
  }

  push(items: Item[], rid?: string): Promise<void> {
    if (!items.length || !this.gateways.length) return Promise.resolve();
    if (!this.next) {
      let resolve!: () => void;
      const done = new Promise<void>((r) => (resolve = r));
      this.next = { versions: new Map(), done, resolve, rid };
    }
    const w = this.next;
    for (const i of items) w.versions.set(i.id, Math.max(i.version, w.versions.get(i.id) ?? 0));
    if (!this.inFlight) this.flush();
    return w.done;
  }

  private flush(): void {
    const w = this.next;
    if (!w) return;
    this.next = null;
    this.inFlight = this.send(w).finally(() => {
      w.resolve();
      this.inFlight = null;
      this.flush();
    });
  }

  private async send(w: Waiting): Promise<void> {
    const req: InvalidateRequest = { items: [...w.versions].map(([id, version]) => ({ id, version })) };
    const results = await Promise.allSettled(this.gateways.map((g) =>
      this.pool.get(g).send(GATEWAY.INVALIDATE, req, this.config.env.INVALIDATION_TIMEOUT_MS, w.rid)));
    results.forEach((r, i) => {
      if (r.status === 'rejected') this.logger.warn({ rid: w.rid, gateway: this.gateways[i].id, err: (r.reason as Error).message }, 'invalidation not acknowledged');
    });
  }
}
