import {
  DomainError, ErrorCode, replicaPatterns,
  type LeaderAnnouncement, type ReplicaStatus, type Term,
} from '@app/contracts';
import type { Logger } from 'pino';
import { sleep } from '../async';
import type { PeerPool } from '../peer-client';
import type { ReplicationPolicy } from '../replication/replica-node';
import { compareTerms, formatTerm, maxTerm, nextTerm, termEquals } from '../term';
import type { Instance } from '../topology';

export interface ElectorOptions {
  service: string;
  replicas: Instance[];
  /** this elector's id (the gateway's instance id): the second half of every term it issues */
  electorId: number;
  policy: ReplicationPolicy;
  leaderRole: 'primary' | 'leader';
  pool: PeerPool;
  logger: Logger;
  /** time between health checks (default 150 ms) */
  intervalMs?: number;
  /** consecutive failed checks before a leader counts as dead, when the last one was refused or reset (default 2) */
  failAfter?: number;
  /**
   * consecutive checks that timed out before a leader counts as dead (default 2 × failAfter): a refused
   * connection means the process is gone, a timeout only that it is slow — a busy machine or a GC
   * pause — and a failover for that costs more than waiting a little longer
   */
  suspectAfter?: number;
  /** time a health check may take (default 300 ms) */
  probeTimeoutMs?: number;
  /** time the chosen replica may take to accept (it drains its hints first; default 3000 ms) */
  promoteTimeoutMs?: number;
  /**
   * At start-up, how long to wait for every replica to be ready before the first election, so that
   * the highest id wins when all start together (default 5000 ms; later elections do not wait).
   */
  startupGraceMs?: number;
  onEvent?: (e: ElectionEvent) => void;
  /** 'observe': only follow which replica leads (for apps that write to a service but do not elect) */
  mode?: 'elect' | 'observe';
}

export interface ElectionEvent {
  service: string;
  kind: 'elected' | 'adopted' | 'no-leader' | 'leader-lost' | 'replica-down' | 'replica-up';
  replica?: number;
  term?: Term;
  message: string;
}

export interface ReplicaView {
  instance: Instance;
  status: ReplicaStatus | null;
  /** answered the last health check and reports having caught up */
  healthy: boolean;
  misses: number;
  /** the last failed check was a refusal or reset (the process is gone), not a timeout */
  certain: boolean;
}

export interface LeaderRef {
  instance: Instance;
  term: Term;
}

/**
 * Health-driven leader election run by each gateway, as the Toy Store's front end does it, made
 * safe: only a replica that holds every acknowledged write may be chosen (Raft §5.4.1) — with the
 * witness policy a ready replica (hints drained), with the majority policy the most up-to-date log
 * among a majority of answers — and the highest id wins among those. Every choice carries a new term
 * (counter, electorId) above every term seen, so replicas obey only the newest of two electors that
 * disagree. A living leader is kept: leadership does not move back by itself.
 */
export class Elector {
  private readonly views = new Map<number, ReplicaView>();
  private leader: LeaderRef | null = null;
  private seen: Term;
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private ticks = 0;
  private readonly patterns;
  private readonly intervalMs: number;
  private readonly failAfter: number;
  private readonly suspectAfter: number;
  private readonly probeTimeoutMs: number;
  private readonly promoteTimeoutMs: number;
  private rr = 0;
  private startedAt = 0;
  private everElected = false;
  private lastWarning = '';

  constructor(private readonly o: ElectorOptions) {
    this.patterns = replicaPatterns(o.service);
    this.intervalMs = o.intervalMs ?? 150;
    this.failAfter = o.failAfter ?? 2;
    this.suspectAfter = Math.max(this.failAfter, o.suspectAfter ?? this.failAfter * 2);
    this.probeTimeoutMs = o.probeTimeoutMs ?? 300;
    this.promoteTimeoutMs = o.promoteTimeoutMs ?? 3000;
    this.seen = { counter: 0, electorId: 0 };
    for (const r of o.replicas) this.views.set(r.id, { instance: r, status: null, healthy: false, misses: 0, certain: false });
  }

  start(): void {
    this.startedAt = Date.now();
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
    void this.tick();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** True once the first round of health checks is done. */
  get started(): boolean {
    return this.ticks > 0;
  }

  currentLeader(): LeaderRef | null {
    return this.leader;
  }

  replicaViews(): ReplicaView[] {
    return [...this.views.values()];
  }

  /** Replicas that answered the last check and have caught up, in round-robin order from the next one. */
  readOrder(): Instance[] {
    const healthy = this.replicaViews().filter((v) => v.healthy).map((v) => v.instance);
    if (healthy.length < 2) return healthy;
    const start = this.rr++ % healthy.length;
    return [...healthy.slice(start), ...healthy.slice(0, start)];
  }

  /**
   * Marks a replica that failed a call, and runs a health check now rather than at the next tick. A
   * refusal (or a leader that says it no longer leads) counts as enough misses at once; a call that
   * only timed out counts as one, so one slow answer on a busy machine does not cost a failover.
   */
  reportFailure(id: number, err?: unknown): Promise<void> {
    const v = this.views.get(id);
    if (v) {
      if (isTimeout(err)) {
        v.misses++;
        v.certain = false;
      } else {
        v.misses = Math.max(v.misses, this.failAfter);
        v.certain = true;
      }
      v.healthy = false;
    }
    return this.tick();
  }

  /** The leader, waiting up to `timeoutMs` for an election when there is none. */
  async awaitLeader(timeoutMs: number): Promise<LeaderRef> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      if (this.leader) return this.leader;
      if (Date.now() >= end) {
        throw new DomainError(ErrorCode.UNAVAILABLE, `no ${this.o.leaderRole} of ${this.o.service} can be reached`);
      }
      await this.tick();
      if (!this.leader) await sleep(Math.min(this.intervalMs, Math.max(0, end - Date.now())));
    }
  }

  tick(): Promise<void> {
    if (!this.running) {
      this.running = this.check().finally(() => {
        this.running = null;
        this.ticks++;
      });
    }
    return this.running;
  }

  private async check(): Promise<void> {
    await Promise.all(this.replicaViews().map(async (v) => {
      try {
        const s = await this.o.pool.get(v.instance).send<ReplicaStatus>(this.patterns.STATUS, {}, this.probeTimeoutMs);
        if (!v.healthy && s.ready) this.event('replica-up', `${this.o.service}#${v.instance.id} is up (${s.role})`, v.instance.id);
        v.status = s;
        v.healthy = s.ready;
        v.misses = 0;
        this.seen = maxTerm(this.seen, s.term);
      } catch (err) {
        if (v.healthy) this.event('replica-down', `${this.o.service}#${v.instance.id} stopped answering`, v.instance.id);
        v.misses++;
        v.certain = !isTimeout(err);
        v.healthy = false;
        if (this.dead(v)) v.status = null;
      }
    }));
    await this.decide();
  }

  /** Failed checks enough to count as dead: fewer when the process is certainly gone than when it is only silent. */
  private dead(v: ReplicaView): boolean {
    return v.misses >= (v.certain ? this.failAfter : this.suspectAfter);
  }

  private async decide(): Promise<void> {
    const answered = this.replicaViews().filter((v) => v.status && v.misses === 0);
    // Adopt the newest leader any replica reports (another elector may have chosen it).
    const claimed = answered
      .filter((v) => v.status!.role === this.o.leaderRole)
      .sort((a, b) => compareTerms(b.status!.term, a.status!.term))[0];
    if (claimed && (!this.leader || compareTerms(claimed.status!.term, this.leader.term) >= 0)) {
      const changed = !this.leader || this.leader.instance.id !== claimed.instance.id || !termEquals(this.leader.term, claimed.status!.term);
      this.leader = { instance: claimed.instance, term: claimed.status!.term };
      this.everElected = true;
      if (changed) this.event('adopted', `${this.o.service}#${claimed.instance.id} leads term ${formatTerm(claimed.status!.term)}`, claimed.instance.id, claimed.status!.term);
      // a deposed leader that has not heard yet is told (it then steps down)
      for (const v of answered) {
        if (v !== claimed && v.status!.role === this.o.leaderRole) void this.announce(v.instance, this.leader);
      }
      return;
    }
    if (this.leader) {
      const v = this.views.get(this.leader.instance.id)!;
      const alive = !this.dead(v);
      const stillLeads = v.status?.role === this.o.leaderRole && termEquals(v.status.term, this.leader.term);
      if (alive && (v.misses > 0 || stillLeads)) return;
      this.event('leader-lost', `${this.o.service}#${this.leader.instance.id} ${alive ? 'no longer leads' : 'is down'}`, this.leader.instance.id, this.leader.term);
      this.leader = null;
    }
    if (this.o.mode === 'observe') return;
    await this.elect(answered);
  }

  private async elect(answered: ReplicaView[]): Promise<void> {
    const n = this.views.size;
    const grace = this.o.startupGraceMs ?? 5000;
    if (!this.everElected && Date.now() - this.startedAt < grace && answered.filter((v) => v.healthy).length < n) return;
    let candidates = answered.filter((v) => v.healthy);
    if (this.o.policy === 'majority') {
      // Raft §5.4.1: an acknowledged entry is on a majority, so it is on one of any majority's logs;
      // the most up-to-date log among a majority of answers holds it.
      if (answered.length < Math.floor(n / 2) + 1) {
        this.event('no-leader', `${this.o.service}: only ${answered.length} of ${n} replicas answer; no majority to elect from`);
        return;
      }
      candidates = candidates.sort((a, b) =>
        compareTerms(b.status!.last.term, a.status!.last.term) || b.status!.last.seq - a.status!.last.seq || b.instance.id - a.instance.id);
      const best = answered.map((v) => v.status!.last).sort((a, b) => compareTerms(b.term, a.term) || b.seq - a.seq)[0];
      candidates = candidates.filter((v) => termEquals(v.status!.last.term, best.term) && v.status!.last.seq === best.seq);
    } else {
      candidates = candidates.sort((a, b) => b.instance.id - a.instance.id);
    }
    if (!candidates.length) {
      this.event('no-leader', `${this.o.service}: no replica that holds every acknowledged write is up`);
      return;
    }
    for (const c of candidates) {
      const term = nextTerm(this.seen, this.o.electorId);
      this.seen = term;
      try {
        await this.o.pool.get(c.instance).send<ReplicaStatus, LeaderAnnouncement>(
          this.patterns.LEADER, { term, leaderId: c.instance.id, electorId: this.o.electorId }, this.promoteTimeoutMs);
      } catch (err) {
        const t = err instanceof DomainError ? (err.details?.term as Term | undefined) : undefined;
        if (t) this.seen = maxTerm(this.seen, t);
        this.o.logger.warn({ service: this.o.service, candidate: c.instance.id, err: (err as Error).message }, 'candidate refused leadership');
        continue;
      }
      this.leader = { instance: c.instance, term };
      this.everElected = true;
      this.event('elected', `${this.o.service}#${c.instance.id} elected ${this.o.leaderRole} for term ${formatTerm(term)}`, c.instance.id, term);
      for (const v of this.replicaViews()) if (v !== c) void this.announce(v.instance, this.leader);
      return;
    }
    this.event('no-leader', `${this.o.service}: every candidate refused leadership`);
  }

  private async announce(to: Instance, leader: LeaderRef): Promise<void> {
    try {
      await this.o.pool.get(to).send(this.patterns.LEADER, {
        term: leader.term, leaderId: leader.instance.id, electorId: this.o.electorId,
      }, this.probeTimeoutMs);
    } catch {
      /* it learns the term from the leader or at its next catch-up */
    }
  }

  private event(kind: ElectionEvent['kind'], message: string, replica?: number, term?: Term): void {
    if (kind === 'no-leader') {
      if (message === this.lastWarning) return;
      this.lastWarning = message;
    } else {
      this.lastWarning = '';
    }
    const level = kind === 'elected' || kind === 'adopted' ? 'info' : 'warn';
    this.o.logger[level]({ service: this.o.service, event: kind, replica, term: term && formatTerm(term) }, message);
    this.o.onEvent?.({ service: this.o.service, kind, replica, term, message });
  }
}

/** A call that got no answer in time (the peer may only be slow), as opposed to a refusal or an error reply. */
function isTimeout(err: unknown): boolean {
  return err instanceof DomainError && err.details?.transport === 'timeout';
}
