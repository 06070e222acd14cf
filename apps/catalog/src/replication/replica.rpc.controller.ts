import { MessagePattern, Payload } from '@nestjs/microservices';
import { isTerm, RpcController } from '@app/cluster';
import {
  CATALOG_REPLICA, DomainError, ErrorCode,
  type CatalogEntryBody, type EntriesAfterRequest, type LeaderAnnouncement, type ReplicaStatus, type ReplicateRequest,
} from '@app/contracts';
import { CatalogReplica } from './catalog-replica';

const bad = (msg: string) => new DomainError(ErrorCode.VALIDATION_FAILED, msg);

/** The replication protocol between catalog replicas and with the elector (the gateways). */
@RpcController()
export class ReplicaRpcController {
  constructor(private readonly replica: CatalogReplica) {}

  @MessagePattern(CATALOG_REPLICA.STATUS)
  status(): ReplicaStatus {
    return this.replica.status();
  }

  @MessagePattern(CATALOG_REPLICA.LEADER)
  leader(@Payload() req: LeaderAnnouncement): Promise<ReplicaStatus> {
    if (!isTerm(req?.term) || !Number.isSafeInteger(req?.leaderId)) throw bad('leader announcement needs term and leaderId');
    return this.replica.onLeader(req);
  }

  @MessagePattern(CATALOG_REPLICA.REPLICATE)
  replicate(@Payload() req: ReplicateRequest<CatalogEntryBody>) {
    if (!isTerm(req?.term) || !Array.isArray(req?.entries)) throw bad('replicate needs term and entries');
    return this.replica.onReplicate(req);
  }

  @MessagePattern(CATALOG_REPLICA.ENTRIES_AFTER)
  entriesAfter(@Payload() req: EntriesAfterRequest) {
    if (!isTerm(req?.after?.term) || !Number.isSafeInteger(req?.after?.seq)) throw bad('entries-after needs a log position');
    return this.replica.onEntriesAfter(req);
  }
}
