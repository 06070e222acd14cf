import { MessagePattern, Payload } from '@nestjs/microservices';
import { RpcController } from '@app/cluster';
import {
  CATALOG, DomainError, ErrorCode,
  type CatalogWriteReply, type CatalogWriteRequest, type DecrementsReply, type DecrementsRequest, type FindByNameRequest, type GetItemRequest, type Item, type ListRequest, type SearchRequest,
} from '@app/contracts';
import { CatalogService } from './catalog.service';

const bad = (msg: string) => new DomainError(ErrorCode.VALIDATION_FAILED, msg);

@RpcController()
export class CatalogRpcController {
  constructor(private readonly catalog: CatalogService) {}

  @MessagePattern(CATALOG.GET)
  get(@Payload() req: GetItemRequest): Item {
    if (!Number.isSafeInteger(req?.id)) throw bad('id must be an integer');
    return this.catalog.get(req.id);
  }

  @MessagePattern(CATALOG.SEARCH)
  search(@Payload() req: SearchRequest): Item[] {
    if (typeof req?.topic !== 'string') throw bad('topic must be a string');
    return this.catalog.search(req.topic);
  }

  @MessagePattern(CATALOG.FIND_BY_NAME)
  findByName(@Payload() req: FindByNameRequest): Item {
    if (typeof req?.name !== 'string') throw bad('name must be a string');
    return this.catalog.findByName(req.name, req.kind);
  }

  @MessagePattern(CATALOG.LIST)
  list(@Payload() req: ListRequest): Item[] {
    return this.catalog.list(req?.kind);
  }

  @MessagePattern(CATALOG.DECREMENTS)
  decrements(@Payload() req: DecrementsRequest): DecrementsReply {
    if (!Number.isSafeInteger(req?.afterSeq) || !Number.isSafeInteger(req?.limit)) throw bad('decrements needs afterSeq and limit');
    if (req.orderIds !== undefined && (!Array.isArray(req.orderIds) || req.orderIds.some((o) => typeof o !== 'string'))) throw bad('orderIds must be strings');
    return this.catalog.decrements(req);
  }

  @MessagePattern(CATALOG.WRITE)
  write(@Payload() req: CatalogWriteRequest): Promise<CatalogWriteReply> {
    return this.catalog.write(req?.write, req?.term, req?.rid);
  }
}
