import { Inject, type Type } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  DomainError, ErrorCode, replicaPatterns,
  type EntriesAfterRequest, type LeaderAnnouncement, type ReplicaStatus, type ReplicateRequest,
} from '@app/contracts';
import { RpcController } from '../rpc-controller.decorator';
import { isTerm } from '../term';
import type { ReplicaNode } from './replica-node';

const bad = (msg: string) => new DomainError(ErrorCode.VALIDATION_FAILED, msg);

/**
 * The TCP controller of the replication protocol for one service (status, leader announcement,
 * replicate, entries-after), bound to that service's ReplicaNode provider.
 */
export function replicaRpcController(service: string, replicaToken: Type<ReplicaNode<unknown, unknown>> | symbol): Type<unknown> {
  const p = replicaPatterns(service);

  @RpcController()
  class ReplicaRpcController {
    constructor(@Inject(replicaToken) private readonly replica: ReplicaNode<unknown, unknown>) {}

    @MessagePattern(p.STATUS)
    status(): ReplicaStatus {
      return this.replica.status();
    }

    @MessagePattern(p.LEADER)
    leader(@Payload() req: LeaderAnnouncement): Promise<ReplicaStatus> {
      if (!isTerm(req?.term) || !Number.isSafeInteger(req?.leaderId)) throw bad('leader announcement needs term and leaderId');
      return this.replica.onLeader(req);
    }

    @MessagePattern(p.REPLICATE)
    replicate(@Payload() req: ReplicateRequest) {
      if (!isTerm(req?.term) || !Number.isSafeInteger(req?.leaderId) || !Array.isArray(req?.entries)) throw bad('replicate needs term, leaderId and entries');
      for (const e of req.entries) if (!Number.isSafeInteger(e?.seq) || !isTerm(e?.term) || !isTerm(e?.prev)) throw bad('every entry needs seq, term and prev');
      return this.replica.onReplicate(req);
    }

    @MessagePattern(p.ENTRIES_AFTER)
    entriesAfter(@Payload() req: EntriesAfterRequest) {
      if (!isTerm(req?.after?.term) || !Number.isSafeInteger(req?.after?.seq) || !Number.isSafeInteger(req?.limit)) {
        throw bad('entries-after needs a log position and a limit');
      }
      return this.replica.onEntriesAfter(req);
    }
  }
  Object.defineProperty(ReplicaRpcController, 'name', { value: `${service[0].toUpperCase()}${service.slice(1)}ReplicaRpcController` });
  return ReplicaRpcController;
}
