import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { compareTerms, formatTerm, isTerm, LOGGER } from '@app/cluster';
import {
  DomainError, ErrorCode,
  type AckHintsRequest, type FenceRequest, type GetHintsReply, type GetHintsRequest, type LogEntry, type PutHintsRequest, type RecoveryStats, type Term,
} from '@app/contracts';
import type { Logger } from 'pino';
import { MoreThan, LessThanOrEqual, type DataSource } from 'typeorm';
import { FenceRow, HintRow } from './hint.entity';

const bad = (msg: string) => new DomainError(ErrorCode.VALIDATION_FAILED, msg);

/**
 * The durable hint store (Bazar's recovery server, Dynamo §4.6's hinted handoff). Delivery is at
 * least once: a replica reads its hints, applies them idempotently, then acknowledges up to a seq.
 * Per (service, target, seq) the hint of the newest term wins. Fencing: after a new primary of a
 * service announces its term, hints stamped with an older term are refused.
 */
@Injectable()
export class HintsService {
  constructor(@InjectDataSource() private readonly ds: DataSource, @Inject(LOGGER) private readonly logger: Logger) {}

  async put(req: PutHintsRequest): Promise<{ stored: number }> {
    if (typeof req?.service !== 'string' || !Number.isSafeInteger(req?.target) || !isTerm(req?.term) || !Array.isArray(req?.entries)) {
      throw bad('put-hints needs service, target, term and entries');
    }
    for (const e of req.entries) if (!Number.isSafeInteger(e?.seq) || !isTerm(e?.term)) throw bad('every hint needs seq and term');
    return this.ds.transaction(async (m) => {
      const fence = await m.findOneBy(FenceRow, { service: req.service });
      if (fence && compareTerms(req.term, fence) < 0) {
        throw new DomainError(ErrorCode.STALE_TERM, `term ${formatTerm(req.term)} is older than ${req.service}'s fence ${formatTerm(fence)}`, {
          term: { counter: fence.counter, electorId: fence.electorId },
        });
      }
      const now = new Date().toISOString();
      let stored = 0;
      for (const e of req.entries as LogEntry[]) {
        const old = await m.findOneBy(HintRow, { service: req.service, target: req.target, seq: e.seq });
        if (old && compareTerms({ counter: old.termCounter, electorId: old.termElector }, e.term) > 0) continue;
        await m.save(HintRow, {
          service: req.service, target: req.target, seq: e.seq, termCounter: e.term.counter, termElector: e.term.electorId,
          entry: JSON.stringify(e), storedAt: now,
        });
        stored++;
      }
      return { stored };
    });
  }

  async get(req: GetHintsRequest): Promise<GetHintsReply> {
    if (typeof req?.service !== 'string' || !Number.isSafeInteger(req?.target) || !Number.isSafeInteger(req?.afterSeq)) {
      throw bad('get-hints needs service, target and afterSeq');
    }
    const rows = await this.ds.getRepository(HintRow).find({
      where: { service: req.service, target: req.target, seq: MoreThan(req.afterSeq) },
      order: { seq: 'ASC' }, take: Math.min(Math.max(req.limit ?? 256, 1), 1000),
    });
    return { entries: rows.map((r) => JSON.parse(r.entry) as LogEntry) };
  }

  async ack(req: AckHintsRequest): Promise<{ deleted: number }> {
    if (typeof req?.service !== 'string' || !Number.isSafeInteger(req?.target) || !Number.isSafeInteger(req?.uptoSeq)) {
      throw bad('ack-hints needs service, target and uptoSeq');
    }
    const res = await this.ds.getRepository(HintRow).delete({ service: req.service, target: req.target, seq: LessThanOrEqual(req.uptoSeq) });
    if (res.affected) this.logger.info({ service: req.service, target: req.target, upto: req.uptoSeq, deleted: res.affected }, 'hints delivered');
    return { deleted: res.affected ?? 0 };
  }

  async fence(req: FenceRequest): Promise<{ term: Term }> {
    if (typeof req?.service !== 'string' || !isTerm(req?.term)) throw bad('fence needs service and term');
    return this.ds.transaction(async (m) => {
      const cur = await m.findOneBy(FenceRow, { service: req.service });
      if (cur && compareTerms(req.term, cur) < 0) {
        throw new DomainError(ErrorCode.STALE_TERM, `term ${formatTerm(req.term)} is older than the fence ${formatTerm(cur)}`, {
          term: { counter: cur.counter, electorId: cur.electorId },
        });
      }
      await m.save(FenceRow, { service: req.service, counter: req.term.counter, electorId: req.term.electorId });
      this.logger.info({ service: req.service, term: formatTerm(req.term) }, 'fence raised');
      return { term: req.term };
    });
  }

  async stats(): Promise<RecoveryStats> {
    const rows = await this.ds.getRepository(HintRow).createQueryBuilder('h')
      .select('h.service', 'service').addSelect('h.target', 'target').addSelect('COUNT(*)', 'count')
      .groupBy('h.service').addGroupBy('h.target').getRawMany<{ service: string; target: number; count: number }>();
    return { pending: rows.map((r) => ({ service: r.service, target: Number(r.target), count: Number(r.count) })) };
  }
}
