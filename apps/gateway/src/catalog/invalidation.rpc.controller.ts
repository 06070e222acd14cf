import { type OnModuleDestroy } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { EventLog, RpcController } from '@app/cluster';
import { DomainError, ErrorCode, GATEWAY, type InvalidateReply, type InvalidateRequest } from '@app/contracts';
import { CatalogReadService } from './catalog-read.service';

/**
 * Invalidations pushed by the catalog primary after each write. The dashboard's timeline gets them
 * coalesced: one event per second at most, naming the items invalidated in it.
 */
@RpcController()
export class InvalidationRpcController implements OnModuleDestroy {
  private readonly pending = new Map<number, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly reads: CatalogReadService, private readonly events: EventLog) {}

  @MessagePattern(GATEWAY.INVALIDATE)
  async invalidate(@Payload() req: InvalidateRequest): Promise<InvalidateReply> {
    if (!Array.isArray(req?.items) || req.items.some((i) => !Number.isSafeInteger(i?.id) || !Number.isSafeInteger(i?.version))) {
      throw new DomainError(ErrorCode.VALIDATION_FAILED, 'invalidate needs items [{id, version}]');
    }
    await this.reads.invalidate(req.items);
    for (const i of req.items) this.pending.set(i.id, Math.max(this.pending.get(i.id) ?? 0, i.version));
    this.timer ??= setTimeout(() => this.flush(), 1000).unref();
    return { ok: true };
  }

  onModuleDestroy(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  private flush(): void {
    this.timer = null;
    const items = [...this.pending].map(([id, version]) => ({ id, version }));
    this.pending.clear();
    if (!items.length) return;
    const shown = items.slice(0, 8).map((i) => `#${i.id}@v${i.version}`).join(', ');
    this.events.record('cache-invalidated', `cache entries invalidated: ${shown}${items.length > 8 ? ` and ${items.length - 8} more` : ''}`, { items: items.slice(0, 50) });
  }
}
