import { ZERO_TERM, type LogEntry, type LogPosition, type Term } from '@app/contracts';
import { Column, Entity, MoreThan, PrimaryColumn, type DataSource, type EntityManager } from 'typeorm';
import type { ReplicaStore } from './replica-store';

@Entity('replication_log')
export class LogEntryRow {
  @PrimaryColumn('integer')
  seq!: number;

  @Column('integer')
  termCounter!: number;

  @Column('integer')
  termElector!: number;

  @Column('integer')
  prevCounter!: number;

  @Column('integer')
  prevElector!: number;

  /** the entry body as JSON */
  @Column('text')
  body!: string;
}

@Entity('replica_meta')
export class ReplicaMetaRow {
  @PrimaryColumn('text')
  key!: string;

  @Column('text')
  value!: string;
}

export const REPLICATION_ENTITIES = [LogEntryRow, ReplicaMetaRow];

/** What a service's state does with log entries, inside the transaction that appends them. */
export interface StateMachine<B, S> {
  apply(manager: EntityManager, entries: LogEntry<B>[]): Promise<void>;
  snapshot(manager: EntityManager): Promise<S>;
  restore(manager: EntityManager, snapshot: S): Promise<void>;
}

/**
 * The replica's durable state in its own SQLite database: the log, the term and leader it follows,
 * and the base position of the last installed snapshot (entries before it are not kept).
 */
export class TypeormReplicaStore<B, S> implements ReplicaStore<B, S> {
  private base: LogPosition = { term: ZERO_TERM, seq: 0 };

  constructor(private readonly ds: DataSource, private readonly sm: StateMachine<B, S>) {}

  async load(): Promise<{ term: Term; leaderId: number | null; last: LogPosition }> {
    const meta = new Map((await this.ds.getRepository(ReplicaMetaRow).find()).map((r) => [r.key, JSON.parse(r.value)]));
    this.base = (meta.get('base') as LogPosition | undefined) ?? { term: ZERO_TERM, seq: 0 };
    const lastRow = await this.ds.getRepository(LogEntryRow).findOne({ where: {}, order: { seq: 'DESC' } });
    const last = lastRow ? { term: termOf(lastRow), seq: lastRow.seq } : this.base;
    return { term: (meta.get('term') as Term | undefined) ?? ZERO_TERM, leaderId: (meta.get('leaderId') as number | null | undefined) ?? null, last };
  }

  async saveTerm(term: Term, leaderId: number | null): Promise<void> {
    await this.ds.getRepository(ReplicaMetaRow).save([
      { key: 'term', value: JSON.stringify(term) },
      { key: 'leaderId', value: JSON.stringify(leaderId) },
    ]);
  }

  async append(entries: LogEntry<B>[]): Promise<void> {
    await this.ds.transaction(async (m) => {
      await this.sm.apply(m, entries);
      await m.insert(LogEntryRow, entries.map(toRow));
    });
  }

  async entriesAfter(after: number, limit: number): Promise<LogEntry<B>[]> {
    const rows = await this.ds.getRepository(LogEntryRow).find({ where: { seq: MoreThan(after) }, order: { seq: 'ASC' }, take: limit });
    return rows.map((r) => fromRow<B>(r));
  }

  async termAt(seq: number): Promise<Term | null> {
    if (seq === this.base.seq) return this.base.term;
    if (seq < this.base.seq) return null;
    const row = await this.ds.getRepository(LogEntryRow).findOneBy({ seq });
    return row ? termOf(row) : null;
  }

  async snapshot(): Promise<{ snapshot: S; last: LogPosition }> {
    return this.ds.transaction(async (m) => {
      const lastRow = await m.findOne(LogEntryRow, { where: {}, order: { seq: 'DESC' } });
      const last = lastRow ? { term: termOf(lastRow), seq: lastRow.seq } : this.base;
      return { snapshot: await this.sm.snapshot(m), last };
    });
  }

  async install(snapshot: S, last: LogPosition): Promise<void> {
    await this.ds.transaction(async (m) => {
      await this.sm.restore(m, snapshot);
      await m.clear(LogEntryRow);
      await m.save(ReplicaMetaRow, { key: 'base', value: JSON.stringify(last) });
    });
    this.base = last;
  }
}

function termOf(r: LogEntryRow): Term {
  return { counter: r.termCounter, electorId: r.termElector };
}

function toRow<B>(e: LogEntry<B>): LogEntryRow {
  return {
    seq: e.seq, termCounter: e.term.counter, termElector: e.term.electorId,
    prevCounter: e.prev.counter, prevElector: e.prev.electorId, body: JSON.stringify(e.body),
  };
}

function fromRow<B>(r: LogEntryRow): LogEntry<B> {
  return { seq: r.seq, term: termOf(r), prev: { counter: r.prevCounter, electorId: r.prevElector }, body: JSON.parse(r.body) as B };
}
