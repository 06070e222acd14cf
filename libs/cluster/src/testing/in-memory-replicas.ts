import {
  DomainError, ErrorCode, RECOVERY, replicaPatterns, ZERO_TERM,
  type LogEntry, type LogPosition, type Term,
} from '@app/contracts';
import pino from 'pino';
import { Faults } from '../faults';
import type { PeerPool } from '../peer-client';
import { ReplicaNode, type ReplicationPolicy } from '../replication/replica-node';
import type { ReplicaStore } from '../replication/replica-store';
import { compareTerms } from '../term';
import type { Instance } from '../topology';

/** State of the toy state machine used by the tests: a key-value map. */
export type KvBody = { set: Record<string, number> };
export type KvState = Record<string, number>;

/** A ReplicaStore in memory, with the same semantics as the SQLite one. */
export class MemoryStore implements ReplicaStore<KvBody, KvState> {
  state: KvState = {};
  log: LogEntry<KvBody>[] = [];
  base: LogPosition = { term: ZERO_TERM, seq: 0 };
  term: Term = ZERO_TERM;
  leaderId: number | null = null;

  async load() {
    return { term: this.term, leaderId: this.leaderId, last: this.lastPos() };
  }
  lastPos(): LogPosition {
    const e = this.log[this.log.length - 1];
    return e ? { term: e.term, seq: e.seq } : this.base;
  }
  async saveTerm(term: Term, leaderId: number | null) {
    this.term = term;
    this.leaderId = leaderId;
  }
  async append(entries: LogEntry<KvBody>[]) {
    for (const e of entries) {
      Object.assign(this.state, e.body.set);
      this.log.push(structuredClone(e));
    }
  }
  async entriesAfter(after: number, limit: number) {
    return structuredClone(this.log.filter((e) => e.seq > after).slice(0, limit));
  }
  async termAt(seq: number) {
    if (seq === this.base.seq) return this.base.term;
    return this.log.find((e) => e.seq === seq)?.term ?? null;
  }
  async snapshot() {
    return { snapshot: structuredClone(this.state), last: this.lastPos() };
  }
  async install(s: KvState, last: LogPosition) {
    this.state = structuredClone(s);
    this.log = [];
    this.base = last;
  }
}

/** The recovery service's hint semantics in memory (fence, newest term per seq, ack up to a seq). */
export class MemoryRecovery {
  hints = new Map<string, Map<number, LogEntry>>();
  fences = new Map<string, Term>();
  down = false;

  handle(pattern: string, p: any): unknown {
    const k = `${p.service}/${p.target}`;
    switch (pattern) {
      case RECOVERY.PUT_HINTS: {
        const f = this.fences.get(p.service);
        if (f && compareTerms(p.term, f) < 0) throw new DomainError(ErrorCode.STALE_TERM, 'fenced', { term: f });
        const m = this.hints.get(k) ?? new Map();
        for (const e of p.entries as LogEntry[]) {
          const old = m.get(e.seq);
          if (!old || compareTerms(old.term, e.term) <= 0) m.set(e.seq, structuredClone(e));
        }
        this.hints.set(k, m);
        return { stored: p.entries.length };
      }
      case RECOVERY.GET_HINTS: {
        const m = this.hints.get(k) ?? new Map();
        return { entries: [...m.values()].filter((e) => e.seq > p.afterSeq).sort((a, b) => a.seq - b.seq).slice(0, p.limit) };
      }
      case RECOVERY.ACK_HINTS: {
        const m = this.hints.get(k) ?? new Map();
        for (const s of [...m.keys()]) if (s <= p.uptoSeq) m.delete(s);
        return { deleted: 0 };
      }
      case RECOVERY.FENCE: {
        const f = this.fences.get(p.service);
        if (f && compareTerms(p.term, f) < 0) throw new DomainError(ErrorCode.STALE_TERM, 'older than fence', { term: f });
        this.fences.set(p.service, p.term);
        return { term: p.term };
      }
      case RECOVERY.STATS:
        return { pending: [] };
    }
    throw new Error(`unknown pattern ${pattern}`);
  }

  pending(service: string, target: number): number {
    return this.hints.get(`${service}/${target}`)?.size ?? 0;
  }
}

/**
 * Several ReplicaNodes wired together in one process: messages are routed to the addressed node's
 * handlers, and a node marked down (or crashed) answers UNAVAILABLE like a dead process would.
 */
export class ReplicaGroup {
  readonly nodes = new Map<number, ReplicaNode<KvBody, KvState>>();
  readonly stores = new Map<number, MemoryStore>();
  readonly down = new Set<number>();
  readonly recovery = new MemoryRecovery();
  readonly instances: Instance[];
  private readonly patterns = replicaPatterns('kv');
  private readonly recoveryInstance: Instance = { app: 'recovery', id: 1, host: 'mem', tcp: 1 };

  constructor(readonly n: number, readonly policy: ReplicationPolicy, private readonly opts: { writeTimeoutMs?: number } = {}) {
    this.instances = Array.from({ length: n }, (_, i) => ({ app: 'order' as const, id: i + 1, host: 'mem', tcp: i + 2 }));
    for (const i of this.instances) this.stores.set(i.id, new MemoryStore());
  }

  private pool(): PeerPool {
    return {
      get: (instance: Instance) => ({
        send: async (pattern: string, payload: any) => {
          await Promise.resolve();
          if (instance.app === 'recovery') {
            if (this.recovery.down) throw new DomainError(ErrorCode.UNAVAILABLE, 'recovery down', { transport: 'ECONNREFUSED' });
            return structuredClone(this.recovery.handle(pattern, structuredClone(payload)));
          }
          const node = this.nodes.get(instance.id);
          if (!node || this.down.has(instance.id)) throw new DomainError(ErrorCode.UNAVAILABLE, `${instance.id} down`, { transport: 'ECONNREFUSED' });
          const p = structuredClone(payload);
          switch (pattern) {
            case this.patterns.STATUS: return structuredClone(node.status());
            case this.patterns.LEADER: return structuredClone(await node.onLeader(p));
            case this.patterns.REPLICATE: return structuredClone(await node.onReplicate(p));
            case this.patterns.ENTRIES_AFTER: return structuredClone(await node.onEntriesAfter(p));
          }
          throw new Error(`unknown pattern ${pattern}`);
        },
        close: () => undefined,
      }),
      closeAll: () => undefined,
    } as unknown as PeerPool;
  }

  /** (Re)starts node id on its existing store, as a process restart would. */
  async start(id: number): Promise<ReplicaNode<KvBody, KvState>> {
    this.nodes.get(id)?.stop();
    this.down.delete(id);
    const node = new ReplicaNode<KvBody, KvState>({
      service: 'kv', selfId: id, peers: this.instances.filter((i) => i.id !== id), policy: this.policy,
      roles: this.policy === 'witness' ? { leader: 'primary', follower: 'backup' } : { leader: 'leader', follower: 'follower' },
      store: this.stores.get(id)!, pool: this.pool(), recovery: this.recoveryInstance,
      logger: pino({ level: 'silent' }), faults: new Faults(new Set()), rpcTimeoutMs: 100,
      writeTimeoutMs: this.opts.writeTimeoutMs ?? 500, retryIntervalMs: 20,
    });
    this.nodes.set(id, node);
    await node.start();
    return node;
  }

  async startAll(): Promise<void> {
    for (const i of this.instances) await this.start(i.id);
  }

  /** Crash: the node stops answering and its timers stop; its store survives. */
  crash(id: number): void {
    this.nodes.get(id)?.stop();
    this.down.add(id);
  }

  node(id: number): ReplicaNode<KvBody, KvState> {
    return this.nodes.get(id)!;
  }

  /** What an elector would do: announce (term, leader) to the leader first, then to the others. */
  async elect(leaderId: number, term: Term): Promise<void> {
    await this.node(leaderId).onLeader({ term, leaderId, electorId: term.electorId });
    for (const [id, n] of this.nodes) if (id !== leaderId && !this.down.has(id)) await n.onLeader({ term, leaderId, electorId: term.electorId }).catch(() => undefined);
  }

  stopAll(): void {
    for (const n of this.nodes.values()) n.stop();
  }
}
