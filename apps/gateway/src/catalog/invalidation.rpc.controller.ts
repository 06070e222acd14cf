import { MessagePattern, Payload } from '@nestjs/microservices';
import { RpcController } from '@app/cluster';
import { DomainError, ErrorCode, GATEWAY, type InvalidateReply, type InvalidateRequest } from '@app/contracts';
import { CatalogReadService } from './catalog-read.service';

/** Invalidations pushed by the catalog primary after each write. */
@RpcController()
export class InvalidationRpcController {
  constructor(private readonly reads: CatalogReadService) {}

  @MessagePattern(GATEWAY.INVALIDATE)
  async invalidate(@Payload() req: InvalidateRequest): Promise<InvalidateReply> {
    if (!Array.isArray(req?.items) || req.items.some((i) => !Number.isSafeInteger(i?.id) || !Number.isSafeInteger(i?.version))) {
      throw new DomainError(ErrorCode.VALIDATION_FAILED, 'invalidate needs items [{id, version}]');
    }
    await this.reads.invalidate(req.items);
    return { ok: true };
  }
}
