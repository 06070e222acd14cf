import { ZERO_TERM, type LogEntry, type LogPosition, type Term } from '@app/contracts';
import type { Database, Statement } from 'better-sqlite3';
import { Column, Entity, PrimaryColumn, type DataSource } from 'typeorm';
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

/** TypeORM entities of the replication log: add them to an app's DataSource (the schema comes from them). */
export const REPLICATION_ENTITIES = [LogEntryRow, ReplicaMetaRow];

/** The better-sqlite3 connection under a TypeORM DataSource (TypeORM's better-sqlite3 driver has one). */
export function rawDatabase(ds: DataSource): Database {
  return (ds.driver as unknown as { databaseConnection: Database }).databaseConnection;
}

/**
 * What a service's state does with log entries. It runs synchronously inside the SQLite transaction
 * that appends them, on prepared statements of the same connection: replication's hot path does no
 * query building (measured: TypeORM's query builder and `save()` cost several times the SQL itself).
 */
export interface StateMachine<B, S> {
  /** called once with the open database: prepare statements here */
  open(db: Database): void;
  apply(entries: LogEntry<B>[]): void;
  snapshot(): S;
  restore(snapshot: S): void;
}

/**
 * The replica's durable state in its own SQLite database (schema from the TypeORM entities): the log,
 * the term and leader it follows, and the base position of the last installed snapshot (entries
 * before it are not kept). Appends are one synchronous transaction each, so no other query of the
 * process can interleave with a half-applied entry.
 */
export class SqliteReplicaStore<B, S> implements ReplicaStore<B, S> {
  private base: LogPosition = { term: ZERO_TERM, seq: 0 };
  private db!: Database;
  private q!: Record<'insertLog' | 'after' | 'termAt' | 'last' | 'meta' | 'setMeta' | 'clearLog', Statement>;

  constructor(private readonly ds: DataSource, private readonly sm: StateMachine<B, S>) {}

  private init(): void {
    if (this.db) return;
    this.db = rawDatabase(this.ds);
    this.q = {
      insertLog: this.db.prepare('INSERT INTO replication_log (seq, termCounter, termElector, prevCounter, prevElector, body) VALUES (?, ?, ?, ?, ?, ?)'),
      after: this.db.prepare('SELECT * FROM replication_log WHERE seq > ? ORDER BY seq LIMIT ?'),
      termAt: this.db.prepare('SELECT termCounter, termElector FROM replication_log WHERE seq = ?'),
      last: this.db.prepare('SELECT * FROM replication_log ORDER BY seq DESC LIMIT 1'),
      meta: this.db.prepare('SELECT value FROM replica_meta WHERE key = ?'),
      setMeta: this.db.prepare('INSERT INTO replica_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      clearLog: this.db.prepare('DELETE FROM replication_log'),
    };
    this.sm.open(this.db);
  }

  private meta<T>(key: string): T | undefined {
    const row = this.q.meta.get(key) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  private lastPos(): LogPosition {
    const row = this.q.last.get() as LogEntryRow | undefined;
    return row ? { term: termOf(row), seq: row.seq } : this.base;
  }

  async load(): Promise<{ term: Term; leaderId: number | null; last: LogPosition }> {
    this.init();
    this.base = this.meta<LogPosition>('base') ?? { term: ZERO_TERM, seq: 0 };
    return { term: this.meta<Term>('term') ?? ZERO_TERM, leaderId: this.meta<number | null>('leaderId') ?? null, last: this.lastPos() };
  }

  async saveTerm(term: Term, leaderId: number | null): Promise<void> {
    this.db.transaction(() => {
      this.q.setMeta.run('term', JSON.stringify(term));
      this.q.setMeta.run('leaderId', JSON.stringify(leaderId));
    })();
  }

  async append(entries: LogEntry<B>[]): Promise<void> {
    this.db.transaction(() => {
      this.sm.apply(entries);
      for (const e of entries) this.q.insertLog.run(e.seq, e.term.counter, e.term.electorId, e.prev.counter, e.prev.electorId, JSON.stringify(e.body));
    })();
  }

  async entriesAfter(after: number, limit: number): Promise<LogEntry<B>[]> {
    return (this.q.after.all(after, limit) as LogEntryRow[]).map((r) => fromRow<B>(r));
  }

  async termAt(seq: number): Promise<Term | null> {
    if (seq === this.base.seq) return this.base.term;
    if (seq < this.base.seq) return null;
    const row = this.q.termAt.get(seq) as LogEntryRow | undefined;
    return row ? termOf(row) : null;
  }

  async snapshot(): Promise<{ snapshot: S; last: LogPosition }> {
    return this.db.transaction(() => ({ snapshot: this.sm.snapshot(), last: this.lastPos() }))();
  }

  async install(snapshot: S, last: LogPosition): Promise<void> {
    this.db.transaction(() => {
      this.sm.restore(snapshot);
      this.q.clearLog.run();
      this.q.setMeta.run('base', JSON.stringify(last));
    })();
    this.base = last;
  }
}

function termOf(r: { termCounter: number; termElector: number }): Term {
  return { counter: r.termCounter, electorId: r.termElector };
}

function fromRow<B>(r: LogEntryRow): LogEntry<B> {
  return { seq: r.seq, term: termOf(r), prev: { counter: r.prevCounter, electorId: r.prevElector }, body: JSON.parse(r.body) as B };
}
