import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { compareTerms, EventLog, formatTerm, isTerm, LOGGER, rawDatabase } from '@app/cluster';
import {
  DomainError, ErrorCode,
  type AckHintsRequest, type FenceRequest, type GetHintsReply, type GetHintsRequest, type LogEntry, type PutHintsRequest, type RecoveryStats, type Term,
} from '@app/contracts';
import type { Database, Statement } from 'better-sqlite3';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';

const bad = (msg: string) => new DomainError(ErrorCode.VALIDATION_FAILED, msg);

/**
 * The durable hint store (Bazar's recovery server, Dynamo §4.6's hinted handoff). Delivery is at
 * least once: a replica reads its hints, applies them idempotently, then acknowledges up to a seq.
 * Per (service, target, seq) the hint of the newest term wins. Fencing: after a new primary of a
 * service announces its term, hints stamped with an older term are refused.
 *
 * Every operation is one synchronous SQLite transaction on prepared statements of TypeORM's
 * better-sqlite3 connection (schema from the entities): concurrent requests cannot interleave inside
 * each other's transactions, which TypeORM's async transactions on one connection do not prevent.
 */
@Injectable()
export class HintsService {
  private db: Database | null = null;
  private q!: Record<string, Statement>;

  constructor(@InjectDataSource() private readonly ds: DataSource, @Inject(LOGGER) private readonly logger: Logger, private readonly events: EventLog) {}

  private s(name: string): Statement {
    if (!this.db) {
      this.db = rawDatabase(this.ds);
      const p = (sql: string) => this.db!.prepare(sql);
      this.q = {
        fence: p('SELECT counter, electorId FROM fences WHERE service = ?'),
        setFence: p('INSERT INTO fences (service, counter, electorId) VALUES (?, ?, ?) ON CONFLICT(service) DO UPDATE SET counter = excluded.counter, electorId = excluded.electorId'),
        hintTerm: p('SELECT termCounter, termElector FROM hints WHERE service = ? AND target = ? AND seq = ?'),
        putHint: p(`INSERT INTO hints (service, target, seq, termCounter, termElector, entry, storedAt) VALUES (?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT(service, target, seq) DO UPDATE SET termCounter = excluded.termCounter, termElector = excluded.termElector, entry = excluded.entry, storedAt = excluded.storedAt`),
        getHints: p('SELECT entry FROM hints WHERE service = ? AND target = ? AND seq > ? ORDER BY seq LIMIT ?'),
        ack: p('DELETE FROM hints WHERE service = ? AND target = ? AND seq <= ?'),
        stats: p('SELECT service, target, COUNT(*) AS count FROM hints GROUP BY service, target ORDER BY service, target'),
      };
    }
    return this.q[name];
  }

  put(req: PutHintsRequest): { stored: number } {
    if (typeof req?.service !== 'string' || !Number.isSafeInteger(req?.target) || !isTerm(req?.term) || !Array.isArray(req?.entries)) {
      throw bad('put-hints needs service, target, term and entries');
    }
    for (const e of req.entries) if (!Number.isSafeInteger(e?.seq) || !isTerm(e?.term)) throw bad('every hint needs seq and term');
    this.s('fence');
    return this.db!.transaction(() => {
      const fence = this.s('fence').get(req.service) as Term | undefined;
      if (fence && compareTerms(req.term, fence) < 0) {
        throw new DomainError(ErrorCode.STALE_TERM, `term ${formatTerm(req.term)} is older than ${req.service}'s fence ${formatTerm(fence)}`, { term: fence });
      }
      const now = new Date().toISOString();
      let stored = 0;
      for (const e of req.entries as LogEntry[]) {
        const old = this.s('hintTerm').get(req.service, req.target, e.seq) as { termCounter: number; termElector: number } | undefined;
        if (old && compareTerms({ counter: old.termCounter, electorId: old.termElector }, e.term) > 0) continue;
        this.s('putHint').run(req.service, req.target, e.seq, e.term.counter, e.term.electorId, JSON.stringify(e), now);
        stored++;
      }
      return { stored };
    })();
  }

  get(req: GetHintsRequest): GetHintsReply {
    if (typeof req?.service !== 'string' || !Number.isSafeInteger(req?.target) || !Number.isSafeInteger(req?.afterSeq)) {
      throw bad('get-hints needs service, target and afterSeq');
    }
    const rows = this.s('getHints').all(req.service, req.target, req.afterSeq, Math.min(Math.max(req.limit ?? 256, 1), 1000)) as { entry: string }[];
    return { entries: rows.map((r) => JSON.parse(r.entry) as LogEntry) };
  }

  ack(req: AckHintsRequest): { deleted: number } {
    if (typeof req?.service !== 'string' || !Number.isSafeInteger(req?.target) || !Number.isSafeInteger(req?.uptoSeq)) {
      throw bad('ack-hints needs service, target and uptoSeq');
    }
    const deleted = this.s('ack').run(req.service, req.target, req.uptoSeq).changes;
    if (deleted) this.events.record('hints-delivered', `${deleted} hints delivered to ${req.service}#${req.target}`, { service: req.service, target: req.target, upto: req.uptoSeq, deleted });
    return { deleted };
  }

  fence(req: FenceRequest): { term: Term } {
    if (typeof req?.service !== 'string' || !isTerm(req?.term)) throw bad('fence needs service and term');
    this.s('fence');
    return this.db!.transaction(() => {
      const cur = this.s('fence').get(req.service) as Term | undefined;
      if (cur && compareTerms(req.term, cur) < 0) {
        throw new DomainError(ErrorCode.STALE_TERM, `term ${formatTerm(req.term)} is older than the fence ${formatTerm(cur)}`, { term: cur });
      }
      this.s('setFence').run(req.service, req.term.counter, req.term.electorId);
      this.events.record('fence', `${req.service}: hints fenced below term ${formatTerm(req.term)}`, { service: req.service, term: formatTerm(req.term) });
      return { term: req.term };
    })();
  }

  stats(): RecoveryStats {
    return { pending: this.s('stats').all() as RecoveryStats['pending'] };
  }
}
