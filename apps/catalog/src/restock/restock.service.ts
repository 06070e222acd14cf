import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { CONFIG, LOGGER, type LoadedConfig } from '@app/cluster';
import type { Logger } from 'pino';
import type { CatalogEnv } from '../config/catalog.config';
import { CatalogService } from '../items/catalog.service';
import { CatalogReplica } from '../replication/catalog-replica';

/** Toy Store restock: every RESTOCK_INTERVAL_MS the primary puts each toy at 0 back to 100. */
@Injectable()
export class RestockService implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    @Inject(CONFIG) private readonly config: LoadedConfig<CatalogEnv>,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly catalog: CatalogService,
    private readonly replica: CatalogReplica,
  ) {}

  onApplicationBootstrap(): void {
    const every = this.config.env.RESTOCK_INTERVAL_MS;
    if (!every) return;
    this.timer = setInterval(() => void this.restock(), every);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async restock(): Promise<void> {
    if (!this.replica.isLeader() || this.running) return;
    this.running = true;
    try {
      const r = await this.catalog.write({ type: 'restock', kind: 'toy', below: 0, to: 100 });
      if (r.items.length) this.logger.info({ items: r.items.map((i) => i.id), seq: r.seq }, 'restocked');
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'restock failed; will retry');
    } finally {
      this.running = false;
    }
  }
}
