import { MessagePattern, Payload } from '@nestjs/microservices';
import { RpcController } from '@app/cluster';
import {
  DomainError, ErrorCode, KV,
  type AeCompareRequest, type AeDigestRequest, type AeKeysRequest, type AePushRequest, type KvApplyRequest, type KvFeedRequest, type KvOpRequest,
  type KvClaimRequest, type KvPartitionRequest, type KvReadRequest,
} from '@app/contracts';
import { AntiEntropyService } from '../antientropy/anti-entropy.service';
import { FeedService } from '../feed/feed.service';
import { MembershipService } from '../membership/membership.service';
import { isVersion } from '../store/versions';
import { KvService } from './kv.service';

const bad = (m: string) => new DomainError(ErrorCode.VALIDATION_FAILED, m);
const isEntry = (e: { key?: unknown; version?: unknown }) => typeof e?.key === 'string' && isVersion(e.version);

/** Inter-node traffic of the kv datastore (Nest TCP transport). */
@RpcController()
export class KvRpcController {
  constructor(
    private readonly kv: KvService,
    private readonly ae: AntiEntropyService,
    private readonly feed: FeedService,
    private readonly members: MembershipService,
  ) {}

  @MessagePattern(KV.OP)
  op(@Payload() req: KvOpRequest) {
    return this.kv.lead(req?.op, req?.rid);
  }

  @MessagePattern(KV.OP_ANY)
  opAny(@Payload() req: KvOpRequest) {
    return this.kv.execute(req?.op, { rid: req?.rid });
  }

  @MessagePattern(KV.APPLY)
  apply(@Payload() req: KvApplyRequest) {
    if (!Number.isSafeInteger(req?.term) || !Array.isArray(req?.entries) || !req.entries.every(isEntry)) throw bad('apply needs term and entries');
    return this.kv.apply(req);
  }

  @MessagePattern(KV.READ)
  read(@Payload() req: KvReadRequest) {
    if (typeof req?.key !== 'string') throw bad('read needs ns and key');
    return this.kv.readLocal(req.ns, req.key);
  }

  @MessagePattern(KV.PARTITION)
  partition(@Payload() req: KvPartitionRequest) {
    if (!Number.isSafeInteger(req?.partition)) throw bad('partition needs ns and partition');
    return this.kv.partitionEntries(req.ns, req.partition);
  }

  @MessagePattern(KV.FEED)
  deliver(@Payload() req: KvFeedRequest) {
    if (!isVersion(req?.version) || typeof req?.event?.key !== 'string') throw bad('feed needs version and event');
    this.feed.deliver(req);
    return { ok: true };
  }

  @MessagePattern(KV.AE_DIGEST)
  digest(@Payload() req: AeDigestRequest) {
    if (typeof req?.digest !== 'string' || !Number.isSafeInteger(req?.from)) throw bad('digest needs ns, from and digest');
    return this.ae.digestEquals(req);
  }

  @MessagePattern(KV.AE_COMPARE)
  compare(@Payload() req: AeCompareRequest) {
    if (!Array.isArray(req?.nodes)) throw bad('compare needs nodes');
    return this.ae.compare(req);
  }

  @MessagePattern(KV.AE_KEYS)
  keys(@Payload() req: AeKeysRequest) {
    if (!Array.isArray(req?.leaves) || !Array.isArray(req?.have)) throw bad('keys needs leaves and have');
    return this.ae.keys(req);
  }

  @MessagePattern(KV.AE_PUSH)
  push(@Payload() req: AePushRequest) {
    if (!Array.isArray(req?.entries) || !req.entries.every(isEntry)) throw bad('push needs entries');
    return this.ae.push(req);
  }

  @MessagePattern(KV.DEBUG_FORGET)
  forget(@Payload() req: KvReadRequest) {
    if (!this.kv.debug) throw new DomainError(ErrorCode.UNAUTHORIZED, 'fault injection is off (FAULTS=kv.debug turns it on)');
    return { forgot: this.kv.ns(req?.ns).forget(req?.key) };
  }

  @MessagePattern(KV.DEBUG_AE_ROUND)
  async aeRound() {
    if (!this.kv.debug) throw new DomainError(ErrorCode.UNAUTHORIZED, 'fault injection is off (FAULTS=kv.debug turns it on)');
    const before = this.ae.socketBytes();
    const pulled = await this.ae.roundNow();
    const after = this.ae.socketBytes();
    return { pulled, bytes: after.read - before.read + after.written - before.written };
  }

  @MessagePattern(KV.CLAIM)
  claim(@Payload() req: KvClaimRequest) {
    if (!Number.isSafeInteger(req?.term) || !Number.isSafeInteger(req?.leader)) throw bad('claim needs term and leader');
    return this.members.onClaim(req);
  }

  @MessagePattern(KV.STATUS)
  status() {
    return { leader: this.members.currentLeader(), term: this.members.currentTerm(), ready: this.members.isReady(), ...this.kv.layout() };
  }
}
