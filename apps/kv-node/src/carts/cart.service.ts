import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CONFIG, EventLog, instancesOf, LOGGER, PeerPool, type Instance, type LoadedConfig } from '@app/cluster';
import {
  DomainError, ErrorCode, RECOVERY,
  type CartAddRequest, type GetHintsReply, type VersionedDoc,
} from '@app/contracts';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { KvEnv } from '../config/kv.config';
import { CartStore } from './cart-store';

export const CART_SERVICE = 'cart';

/**
 * This kv-node's part of the leaderless cart store: its copy of the cart namespace, and the hints
 * other nodes' writes left for it in the recovery service while it was down (sloppy quorum +
 * hinted handoff, Dynamo §4.6), which it takes at start and every second.
 */
@Injectable()
export class CartService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly store: CartStore;
  private readonly recovery: Instance | null;
  private timer: NodeJS.Timeout | null = null;
  private draining = false;

  constructor(
    @Inject(CONFIG) private readonly config: LoadedConfig<KvEnv>,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly pool: PeerPool,
    private readonly events: EventLog,
  ) {
    this.store = new CartStore(String(config.self.id), join(config.dataDir, `kv-node-${config.self.id}`, 'carts.log'));
    this.recovery = instancesOf(config.topology, 'recovery')[0] ?? null;
  }

  onApplicationBootstrap(): void {
    void this.drainHints();
    this.timer = setInterval(() => void this.drainHints(), 1000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.store.close();
  }

  add(req: CartAddRequest): VersionedDoc | null {
    if (typeof req?.key !== 'string' || !req.key || !req.changes || typeof req.changes !== 'object') {
      throw new DomainError(ErrorCode.VALIDATION_FAILED, 'add needs key and changes');
    }
    for (const d of Object.values(req.changes)) if (!Number.isSafeInteger(d)) throw new DomainError(ErrorCode.VALIDATION_FAILED, 'changes are integers');
    return this.store.add(req.key, req.changes, { create: req.create, mustExist: req.mustExist });
  }

  /** Applies the hints left for this node and acknowledges them (at least once; merging is idempotent). */
  async drainHints(): Promise<number> {
    if (!this.recovery || this.draining) return 0;
    this.draining = true;
    let applied = 0;
    try {
      const client = this.pool.get(this.recovery);
      for (;;) {
        const { entries } = await client.send<GetHintsReply>(RECOVERY.GET_HINTS, { service: CART_SERVICE, target: this.config.self.id, afterSeq: 0, limit: 500 }, 2000);
        if (!entries.length) break;
        for (const e of entries) {
          const { key, doc } = e.body as { key: string; doc: VersionedDoc };
          this.store.merge(key, doc);
          applied++;
        }
        await client.send(RECOVERY.ACK_HINTS, { service: CART_SERVICE, target: this.config.self.id, uptoSeq: entries[entries.length - 1].seq }, 2000);
      }
      if (applied) this.events.record('hints-delivered', `cart hints delivered (hinted handoff): ${applied} to kv-node#${this.config.self.id}`, { applied });
    } catch {
      /* recovery unreachable: next time */
    } finally {
      this.draining = false;
    }
    return applied;
  }
}
