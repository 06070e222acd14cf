import {
  DomainError, ErrorCode, RECOVERY, replicaPatterns, ZERO_TERM,
  type EntriesAfterReply, type EntriesAfterRequest, type GetHintsReply, type LeaderAnnouncement, type LogEntry,
  type LogPosition, type ReplicaRole, type ReplicaStatus, type ReplicateReply, type ReplicateRequest, type Term,
} from '@app/contracts';
import { Mutex } from 'async-mutex';
import type { Logger } from 'pino';
import { sleep } from '../async';
import type { Faults } from '../faults';
import type { PeerPool } from '../peer-client';
import { compareTerms, formatTerm, termEquals } from '../term';
import type { Instance } from '../topology';
import type { ReplicaStore } from './replica-store';

/**
 * When a write counts as acknowledged.
 * - `witness` (catalog, 2 replicas): every follower holds it, or the recovery service holds it as a
 *   hint for that follower. Any replica that has drained its hints therefore holds every
 *   acknowledged write, and only such a replica may be promoted.
 * - `majority` (orders, 3 replicas): a majority of replicas (the leader included) hold it, so every
 *   majority the elector consults contains it (Raft §5.4.1). Down followers also get hints, which
 *   only speed up their catch-up.
 */
export type ReplicationPolicy = 'witness' | 'majority';

export interface ReplicaNodeOptions<B, S> {
  service: string;
  selfId: number;
  /** the other replicas of this service */
  peers: Instance[];
  policy: ReplicationPolicy;
  roles: { leader: 'primary' | 'leader'; follower: 'backup' | 'follower' };
  store: ReplicaStore<B, S>;
  pool: PeerPool;
  /** the hint store; null when the topology has none */
  recovery: Instance | null;
  logger: Logger;
  faults: Faults;
  rpcTimeoutMs: number;
  /** longest a write waits for its acknowledgement policy before it fails (default 5000 ms) */
  writeTimeoutMs?: number;
  /** how often a down follower is retried and an unready replica retries its catch-up (default 300 ms) */
  retryIntervalMs?: number;
  /** most entries sent in one replication or catch-up message (default 256) */
  batchSize?: number;
  onLagChange?: (lag: Record<string, number>) => void;
  /** called when this replica becomes leader or stops being it */
  onRoleChange?: (role: ReplicaRole, term: Term) => void;
  /** cluster events for the dashboard's timeline (leadership, catch-ups, hints, snapshots) */
  onEvent?: (kind: string, message: string, details?: Record<string, unknown>) => void;
}

interface Follower {
  instance: Instance;
  /** next seq to send */
  next: number;
  /** highest seq known to be on the follower and equal to ours */
  matched: number;
  /** every seq up to this one is on the follower or in the recovery service as a hint for it */
  covered: number;
  /** highest seq left as a hint for it, until it holds it (then the hints are released) */
  hintedUpTo: number;
  down: boolean;
  retryAt: number;
  /** when it last answered (replication or heartbeat) */
  heardAt: number;
  running: boolean;
  again: boolean;
}

interface Waiter {
  seq: number;
  resolve: () => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

type ChainResult = 'ok' | 'gap' | 'diverged';

const TAIL_SIZE = 4096;

/**
 * One replica of a replicated log: a leader (primary) that appends and replicates, or a follower
 * (backup) that applies what the leader sends, catches up after a restart (hints first, then the
 * leader), and resyncs from a snapshot when its log diverged. Terms fence every message: a replica
 * refuses anything stamped with a term older than the newest it has stored.
 */
export class ReplicaNode<B, S> {
  private role: ReplicaRole = 'starting';
  private term: Term = ZERO_TERM;
  private leaderId: number | null = null;
  private last: LogPosition = { term: ZERO_TERM, seq: 0 };
  private ready = false;
  private reason = 'starting';
  private readonly lock = new Mutex();
  private readonly followers = new Map<number, Follower>();
  private waiters: Waiter[] = [];
  private readonly tail = new Map<number, LogEntry<B>>();
  private recoveryDown = false;
  private catchingUp: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly patterns;
  private readonly writeTimeoutMs: number;
  private readonly retryIntervalMs: number;
  private readonly batchSize: number;

  constructor(private readonly o: ReplicaNodeOptions<B, S>) {
    this.patterns = replicaPatterns(o.service);
    this.writeTimeoutMs = o.writeTimeoutMs ?? 5000;
    this.retryIntervalMs = o.retryIntervalMs ?? 300;
    this.batchSize = o.batchSize ?? 256;
  }

  // ---------------------------------------------------------------- lifecycle

  async start(): Promise<void> {
    const s = await this.o.store.load();
    this.term = s.term;
    this.leaderId = s.leaderId;
    this.last = s.last;
    this.role = this.o.roles.follower;
    this.o.logger.info({ term: formatTerm(this.term), last: this.last.seq }, `${this.o.service} replica loaded`);
    this.timer = setInterval(() => this.tick(), this.retryIntervalMs);
    this.timer.unref();
    void this.catchUp();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.rejectWaiters(new DomainError(ErrorCode.UNAVAILABLE, `${this.o.service} replica is shutting down`));
  }

  status(): ReplicaStatus {
    const s: ReplicaStatus = {
      app: this.o.service, id: this.o.selfId, role: this.role, term: this.term, leaderId: this.leaderId,
      last: this.last, ready: this.ready,
    };
    if (!this.ready) s.reason = this.reason;
    if (this.isLeader()) s.lag = this.lag();
    return s;
  }

  isLeader(): boolean {
    return this.role === this.o.roles.leader;
  }

  isReady(): boolean {
    return this.ready;
  }

  currentTerm(): Term {
    return this.term;
  }

  lastPosition(): LogPosition {
    return this.last;
  }

  // ---------------------------------------------------------------- leader side

  /**
   * Appends one entry computed from the current state (under the log lock, so computations see
   * every earlier write) and waits until it is acknowledged under the policy. `compute` returns null
   * when the write changes nothing. `stamp` is the term the caller believes current.
   */
  async write(compute: (seq: number) => Promise<B | null>, stamp?: Term): Promise<LogEntry<B> | null> {
    this.assertLeader(stamp);
    this.assertCanAcknowledge();
    const entry = await this.lock.runExclusive(async () => {
      this.assertLeader(stamp);
      const seq = this.last.seq + 1;
      const body = await compute(seq);
      if (body === null) return null;
      const e: LogEntry<B> = { seq, term: this.term, prev: this.last.term, body };
      await this.o.store.append([e]);
      this.last = { term: e.term, seq };
      this.remember(e);
      return e;
    });
    if (!entry) return null;
    this.o.faults.crashPoint(`${this.o.service}.crash-after-commit`);
    this.kickAll();
    await this.waitAcknowledged(entry.seq);
    return entry;
  }

  /** Resolves once every entry up to seq is acknowledged under the policy (or fails after the write timeout). */
  waitAcknowledged(seq: number): Promise<void> {
    if (this.acknowledged(seq)) return Promise.resolve();
    if (!this.isLeader()) return Promise.reject(this.notLeader());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.timer !== timer);
        reject(new DomainError(ErrorCode.UNAVAILABLE, `${this.o.service} write ${seq} was not acknowledged by the replicas in time`, {
          lag: this.lag(),
        }));
      }, this.writeTimeoutMs);
      this.waiters.push({ seq, resolve, reject, timer });
    });
  }

  /** Throws NOT_LEADER unless this replica leads, STALE_TERM when the caller's term is older. */
  assertLeader(stamp?: Term): void {
    if (!this.isLeader()) throw this.notLeader();
    if (stamp && compareTerms(stamp, this.term) < 0) {
      throw new DomainError(ErrorCode.STALE_TERM, `term ${formatTerm(stamp)} is older than ${formatTerm(this.term)}`, { term: this.term });
    }
    if (stamp && compareTerms(stamp, this.term) > 0) {
      // the caller has seen a newer election: this replica was deposed and has not heard yet
      throw new DomainError(ErrorCode.NOT_LEADER, `${this.o.service}#${this.o.selfId} is not the ${this.o.roles.leader} of term ${formatTerm(stamp)}`, {
        term: this.term, leaderId: this.leaderId,
      });
    }
  }

  /**
   * Refuses a write that could not be acknowledged, before anything is applied: with the majority
   * policy when too many followers are known to be down; with the witness policy when a follower is
   * down and the hint store is unreachable.
   */
  assertCanAcknowledge(): void {
    this.assertLeader();
    const down = [...this.followers.values()].filter((f) => f.down);
    if (this.o.policy === 'majority') {
      const up = this.followers.size + 1 - down.length;
      if (up < Math.floor((this.followers.size + 1) / 2) + 1) {
        throw new DomainError(ErrorCode.UNAVAILABLE, `${this.o.service}: only ${up} of ${this.followers.size + 1} replicas are reachable; a majority is needed`, {
          down: down.map((f) => f.instance.id),
        });
      }
      return;
    }
    if (!this.recoveryDown) return;
    if (down.length) {
      throw new DomainError(ErrorCode.UNAVAILABLE, `${this.o.service}: a replica is down and the recovery service is unreachable; refusing writes that only one copy would hold`, {
        down: down.map((f) => f.instance.id),
      });
    }
  }

  private notLeader(): DomainError {
    return new DomainError(ErrorCode.NOT_LEADER, `${this.o.service}#${this.o.selfId} is not the ${this.o.roles.leader}`, {
      leaderId: this.leaderId, term: this.term,
    });
  }

  /** True when every entry up to seq is acknowledged under the policy (leader only). */
  isAcknowledged(seq: number): boolean {
    return this.isLeader() && this.acknowledged(seq);
  }

  private acknowledged(seq: number): boolean {
    const fs = [...this.followers.values()];
    if (this.o.policy === 'witness') return fs.every((f) => f.covered >= seq);
    const holders = 1 + fs.filter((f) => f.matched >= seq).length;
    return holders >= Math.floor((fs.length + 1) / 2) + 1;
  }

  private checkWaiters(): void {
    if (!this.waiters.length) return;
    const done = this.waiters.filter((w) => this.acknowledged(w.seq));
    if (!done.length) return;
    this.waiters = this.waiters.filter((w) => !done.includes(w));
    for (const w of done) {
      clearTimeout(w.timer);
      w.resolve();
    }
    this.o.onLagChange?.(this.lag());
  }

  private rejectWaiters(err: Error): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) {
      clearTimeout(w.timer);
      w.reject(err);
    }
  }

  private lag(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const f of this.followers.values()) out[String(f.instance.id)] = Math.max(0, this.last.seq - f.matched);
    return out;
  }

  private kickAll(): void {
    for (const f of this.followers.values()) void this.pump(f);
  }

  /** Sends the follower everything it lacks, in order and in batches; hints what cannot be delivered. */
  private async pump(f: Follower): Promise<void> {
    if (f.running) {
      f.again = true;
      return;
    }
    f.running = true;
    try {
      while (this.isLeader() && !this.stopped && f.next <= this.last.seq) {
        const term = this.term;
        const batch = await this.entriesFrom(f.next);
        if (!batch.length) break;
        const end = batch[batch.length - 1].seq;
        if (f.down && Date.now() < f.retryAt) {
          if (!(await this.hint(f, batch, term))) break;
          continue;
        }
        let reply: ReplicateReply;
        try {
          reply = await this.o.pool.get(f.instance).send<ReplicateReply, ReplicateRequest<B>>(
            this.patterns.REPLICATE, { term, leaderId: this.o.selfId, entries: batch }, this.o.rpcTimeoutMs);
        } catch (err) {
          if (err instanceof DomainError && err.code === ErrorCode.STALE_TERM) {
            await this.stepDownTo(err.details?.term as Term | undefined);
            return;
          }
          if (!f.down) this.o.logger.warn({ follower: f.instance.id, err: (err as Error).message }, `${this.o.service} follower unreachable; hinting`);
          f.down = true;
          f.retryAt = Date.now() + this.retryIntervalMs;
          if (!(await this.hint(f, batch, term))) break;
          continue;
        }
        if (compareTerms(reply.term, this.term) > 0) {
          await this.stepDownTo(reply.term);
          return;
        }
        if (f.down) this.o.logger.info({ follower: f.instance.id }, `${this.o.service} follower reachable again`);
        f.down = false;
        f.heardAt = Date.now();
        if (reply.ok) {
          this.o.faults.crashPoint(`${this.o.service}.crash-after-replicate-one`);
          f.matched = reply.last.seq;
          f.covered = Math.max(f.covered, reply.last.seq);
          f.next = reply.last.seq + 1;
          if (f.hintedUpTo && f.matched >= f.hintedUpTo) this.releaseHints(f);
        } else {
          const theirs = reply.last;
          const mine = theirs.seq <= this.last.seq ? await this.termAtSafe(theirs.seq) : null;
          if (mine && termEquals(mine, theirs.term) && theirs.seq + 1 < f.next) {
            // behind but on our log: send it what it lacks (Raft's nextIndex backoff, in one step)
            f.matched = theirs.seq;
            f.next = theirs.seq + 1;
          } else {
            // diverged: it resyncs from a snapshot on its own; until then its entries go to hints
            f.retryAt = Date.now() + this.retryIntervalMs;
            f.down = true;
            if (!(await this.hint(f, batch, term))) break;
          }
        }
        this.checkWaiters();
      }
    } finally {
      f.running = false;
      this.checkWaiters();
      if (f.again) {
        f.again = false;
        void this.pump(f);
      }
    }
  }

  /** Leaves entries for a follower in the recovery service (Dynamo §4.6 hinted handoff). */
  private async hint(f: Follower, batch: LogEntry<B>[], term: Term): Promise<boolean> {
    const end = batch[batch.length - 1].seq;
    if (!this.o.recovery) {
      f.next = end + 1;
      return true;
    }
    try {
      await this.o.pool.get(this.o.recovery).send(RECOVERY.PUT_HINTS, {
        service: this.o.service, target: f.instance.id, term, entries: batch,
      }, this.o.rpcTimeoutMs);
      this.recoveryDown = false;
      if (!f.hintedUpTo) this.o.onEvent?.('hints-queued', `${this.o.service}: hints left for #${f.instance.id} (down)`, { target: f.instance.id, upto: end });
      f.hintedUpTo = Math.max(f.hintedUpTo, end);
      f.covered = Math.max(f.covered, end);
      f.next = end + 1;
      this.o.faults.crashPoint(`${this.o.service}.crash-after-hint`);
      return true;
    } catch (err) {
      if (err instanceof DomainError && err.code === ErrorCode.STALE_TERM) {
        await this.stepDownTo(err.details?.term as Term | undefined);
        return false;
      }
      if (!this.recoveryDown) this.o.logger.warn({ err: (err as Error).message }, 'recovery service unreachable; cannot leave hints');
      this.recoveryDown = true;
      return false;
    }
  }

  /** The follower now holds everything hinted for it: the recovery service may drop those hints. */
  private releaseHints(f: Follower): void {
    const upto = f.hintedUpTo;
    f.hintedUpTo = 0;
    if (!this.o.recovery) return;
    this.o.pool.get(this.o.recovery)
      .send(RECOVERY.ACK_HINTS, { service: this.o.service, target: f.instance.id, uptoSeq: upto }, this.o.rpcTimeoutMs)
      .catch(() => { f.hintedUpTo = Math.max(f.hintedUpTo, upto); });
  }

  /**
   * Leader heartbeat: followers not heard from for a retry interval are asked for their status, so
   * one that died is known to be down before the next write (and one that returned, up again).
   */
  private async probe(): Promise<void> {
    const now = Date.now();
    await Promise.all([...this.followers.values()].map(async (f) => {
      if (f.running || (f.down ? now < f.retryAt : now - f.heardAt < this.retryIntervalMs)) return;
      f.retryAt = now + this.retryIntervalMs;
      try {
        const s = await this.o.pool.get(f.instance).send<ReplicaStatus>(this.patterns.STATUS, {}, this.o.rpcTimeoutMs);
        if (compareTerms(s.term, this.term) > 0) return this.stepDownTo(s.term);
        f.heardAt = Date.now();
        // A follower that was hinted for: once it holds everything hinted, on this log, the hints may
        // go even if no write follows to carry an acknowledgement; if it came back and caught up before
        // the last hints were left (a background write, say), send it those entries directly.
        if (f.hintedUpTo && s.last.seq <= this.last.seq) {
          const mine = await this.termAtSafe(s.last.seq);
          if (mine && termEquals(mine, s.last.term)) {
            if (s.last.seq >= f.hintedUpTo) this.releaseHints(f);
            else if (!f.running && f.next > s.last.seq + 1) f.next = s.last.seq + 1;
          }
        }
        if (f.down) {
          f.down = false;
          void this.pump(f);
        }
      } catch {
        if (!f.down) this.o.logger.warn({ follower: f.instance.id }, `${this.o.service} follower does not answer`);
        f.down = true;
      }
    }));
    if (this.recoveryDown && this.o.recovery) {
      try {
        await this.o.pool.get(this.o.recovery).send(RECOVERY.STATS, {}, this.o.rpcTimeoutMs);
        this.recoveryDown = false;
      } catch {
        /* still down */
      }
    }
  }

  private async entriesFrom(from: number): Promise<LogEntry<B>[]> {
    const out: LogEntry<B>[] = [];
    for (let s = from; s <= this.last.seq && out.length < this.batchSize; s++) {
      const e = this.tail.get(s);
      if (!e) return this.o.store.entriesAfter(from - 1, this.batchSize);
      out.push(e);
    }
    return out;
  }

  private remember(e: LogEntry<B>): void {
    this.tail.set(e.seq, e);
    this.tail.delete(e.seq - TAIL_SIZE);
  }

  private async termAtSafe(seq: number): Promise<Term | null> {
    if (seq === this.last.seq) return this.last.term;
    return this.o.store.termAt(seq);
  }

  private async stepDownTo(term?: Term): Promise<void> {
    await this.lock.runExclusive(async () => {
      if (term && compareTerms(term, this.term) > 0) {
        this.term = term;
        this.leaderId = null;
        await this.o.store.saveTerm(term, null);
      }
      if (this.isLeader()) this.becomeFollower('a newer term exists');
    });
  }

  private becomeFollower(why: string): void {
    const was = this.role;
    this.role = this.o.roles.follower;
    this.followers.clear();
    if (was === this.o.roles.leader) {
      this.o.logger.warn({ term: formatTerm(this.term), why }, `${this.o.service}#${this.o.selfId} steps down`);
      this.o.onEvent?.('step-down', `${this.o.service}#${this.o.selfId} steps down: ${why}`, { term: formatTerm(this.term) });
      this.rejectWaiters(this.notLeader());
      this.o.onRoleChange?.(this.role, this.term);
    }
  }

  // ---------------------------------------------------------------- messages from the elector and leader

  /** The elector names a leader for a term. The named replica takes over only if it holds every acknowledged write. */
  async onLeader(ann: LeaderAnnouncement): Promise<ReplicaStatus> {
    await this.lock.runExclusive(async () => {
      const c = compareTerms(ann.term, this.term);
      if (c < 0) {
        throw new DomainError(ErrorCode.STALE_TERM, `term ${formatTerm(ann.term)} is older than ${formatTerm(this.term)}`, { term: this.term });
      }
      if (c === 0 && this.leaderId !== null && this.leaderId !== ann.leaderId) {
        throw new DomainError(ErrorCode.STALE_TERM, `term ${formatTerm(ann.term)} already has leader ${this.leaderId}`, { term: this.term });
      }
      if (ann.leaderId !== this.o.selfId) {
        if (c > 0 || this.leaderId !== ann.leaderId) {
          this.term = ann.term;
          this.leaderId = ann.leaderId;
          await this.o.store.saveTerm(ann.term, ann.leaderId);
        }
        if (this.isLeader()) this.becomeFollower(`${ann.leaderId} leads term ${formatTerm(ann.term)}`);
        return;
      }
      if (c === 0 && this.isLeader()) return;
      if (!this.ready) throw new DomainError(ErrorCode.UNAVAILABLE, `${this.o.service}#${this.o.selfId} has not caught up: ${this.reason}`);
      if (this.o.recovery) {
        // Fence first, so that a deposed leader can no longer leave hints, then take every hint left
        // for this replica: with the witness policy that is what makes it hold every acknowledged write.
        await this.o.pool.get(this.o.recovery).send(RECOVERY.FENCE, { service: this.o.service, term: ann.term }, this.o.rpcTimeoutMs)
          .catch((err: DomainError) => {
            if (this.o.policy === 'witness') throw new DomainError(ErrorCode.UNAVAILABLE, `cannot take over: recovery service unreachable (${err.message})`);
          });
        if (this.o.policy === 'witness') {
          const res = await this.drainHintsLocked();
          if (res !== 'ok') throw new DomainError(ErrorCode.UNAVAILABLE, `cannot take over: hints do not follow this replica's log (${res})`);
        }
      }
      this.term = ann.term;
      this.leaderId = this.o.selfId;
      await this.o.store.saveTerm(ann.term, this.o.selfId);
      this.role = this.o.roles.leader;
      this.followers.clear();
      for (const p of this.o.peers) {
        this.followers.set(p.id, {
          instance: p, next: this.last.seq + 1, matched: 0, covered: this.last.seq, hintedUpTo: 0, down: false, retryAt: 0, heardAt: Date.now(), running: false, again: false,
        });
      }
      this.o.logger.info({ term: formatTerm(ann.term), last: this.last.seq }, `${this.o.service}#${this.o.selfId} is ${this.o.roles.leader}`);
      this.o.onEvent?.('leader', `${this.o.service}#${this.o.selfId} is ${this.o.roles.leader} in term ${formatTerm(ann.term)}`, { term: formatTerm(ann.term), last: this.last.seq });
    });
    if (this.isLeader()) {
      this.kickAll();
      this.o.onRoleChange?.(this.role, this.term);
    }
    return this.status();
  }

  async onReplicate(req: ReplicateRequest<B>): Promise<ReplicateReply> {
    return this.lock.runExclusive(async () => {
      await this.observeTerm(req.term, req.leaderId);
      if (req.leaderId === this.o.selfId) {
        throw new DomainError(ErrorCode.STALE_TERM, 'replication from itself', { term: this.term });
      }
      const res = await this.appendChained(req.entries, req.term);
      if (res === 'diverged') this.scheduleResync('log diverged from the leader');
      return { ok: res === 'ok', last: this.last, term: this.term };
    });
  }

  /** Any replica serves its log to one catching up; a requester whose log does not match gets a snapshot. */
  async onEntriesAfter(req: EntriesAfterRequest): Promise<EntriesAfterReply<B, S>> {
    const limit = Math.min(Math.max(1, req.limit), 1000);
    const mine = req.after.seq <= this.last.seq ? await this.termAtSafe(req.after.seq) : null;
    if (mine && termEquals(mine, req.after.term)) {
      const entries = await this.o.store.entriesAfter(req.after.seq, limit);
      return { kind: 'entries', entries, last: this.last, term: this.term };
    }
    const snap = await this.lock.runExclusive(() => this.o.store.snapshot());
    return { kind: 'snapshot', snapshot: snap.snapshot, last: snap.last, term: this.term };
  }

  /** Adopts a newer term (and steps down); refuses an older one. Call with the lock held. */
  private async observeTerm(term: Term, leaderId: number | null): Promise<void> {
    const c = compareTerms(term, this.term);
    if (c < 0) {
      throw new DomainError(ErrorCode.STALE_TERM, `term ${formatTerm(term)} is older than ${formatTerm(this.term)}`, { term: this.term });
    }
    if (c > 0 || (leaderId !== null && this.leaderId !== leaderId)) {
      this.term = term;
      this.leaderId = leaderId;
      await this.o.store.saveTerm(term, leaderId);
      if (this.isLeader() && leaderId !== this.o.selfId) this.becomeFollower(`term ${formatTerm(term)} has leader ${leaderId}`);
    }
  }

  /**
   * Appends the entries that continue this log. Entries it already holds are skipped when equal; an
   * entry of a newer term at a seq this log holds with an older term means this log diverged
   * (it kept writes that were never acknowledged) and must be replaced by a snapshot. Entries of an
   * older term than ours at such a seq are leftovers of a deposed leader and are ignored.
   * Call with the lock held.
   */
  private async appendChained(entries: LogEntry<B>[], _fromTerm: Term): Promise<ChainResult> {
    let i = 0;
    for (; i < entries.length && entries[i].seq <= this.last.seq; i++) {
      const e = entries[i];
      const mine = await this.termAtSafe(e.seq);
      if (mine && termEquals(mine, e.term)) continue;
      if (mine && compareTerms(e.term, mine) < 0) return 'ok';
      return 'diverged';
    }
    const rest = entries.slice(i);
    if (!rest.length) return 'ok';
    if (rest[0].seq !== this.last.seq + 1) return 'gap';
    if (!termEquals(rest[0].prev, this.last.term)) {
      return compareTerms(rest[0].prev, this.last.term) > 0 ? 'diverged' : 'gap';
    }
    for (let k = 1; k < rest.length; k++) {
      if (rest[k].seq !== rest[k - 1].seq + 1 || !termEquals(rest[k].prev, rest[k - 1].term)) {
        rest.length = k;
        break;
      }
    }
    await this.o.store.append(rest);
    const end = rest[rest.length - 1];
    this.last = { term: end.term, seq: end.seq };
    for (const e of rest) this.remember(e);
    return 'ok';
  }

  // ---------------------------------------------------------------- follower catch-up

  private tick(): void {
    if (this.stopped) return;
    if (this.isLeader()) {
      void this.probe();
      for (const f of this.followers.values()) if (f.next <= this.last.seq) void this.pump(f);
    } else if (!this.ready) {
      void this.catchUp();
    }
  }

  private scheduleResync(why: string): void {
    this.ready = false;
    this.reason = why;
  }

  /** Drains hints from recovery, then pulls from the leader; marks the replica ready when both are done. */
  catchUp(): Promise<void> {
    if (this.catchingUp) return this.catchingUp;
    this.catchingUp = (async () => {
      try {
        if (this.isLeader()) {
          this.ready = true;
          return;
        }
        const hints = await this.lock.runExclusive(() => this.drainHintsLocked());
        const leader = await this.findLeader();
        if (leader) {
          await this.pullFrom(leader);
          if (hints !== 'ok') await this.lock.runExclusive(() => this.drainHintsLocked());
        } else if (hints !== 'ok') {
          throw new Error(`hints for this replica do not follow its log (${hints}) and no ${this.o.roles.leader} is reachable`);
        }
        if (!this.ready) this.o.onEvent?.('caught-up', `${this.o.service}#${this.o.selfId} caught up to ${this.last.seq}`, { last: this.last.seq, leader: leader?.id ?? null });
        this.ready = true;
        this.reason = '';
      } catch (err) {
        this.ready = false;
        this.reason = (err as Error).message;
      } finally {
        this.catchingUp = null;
      }
    })();
    return this.catchingUp;
  }

  /** Applies this replica's hints from the recovery service and acknowledges them. Lock held. */
  private async drainHintsLocked(): Promise<ChainResult> {
    if (!this.o.recovery) return 'ok';
    const client = this.o.pool.get(this.o.recovery);
    let result: ChainResult = 'ok';
    let after = 0;
    for (;;) {
      const { entries } = await client.send<GetHintsReply>(RECOVERY.GET_HINTS, {
        service: this.o.service, target: this.o.selfId, afterSeq: after, limit: this.batchSize,
      }, this.o.rpcTimeoutMs);
      if (!entries.length) break;
      const before = this.last.seq;
      result = await this.appendChained(entries as LogEntry<B>[], this.term);
      after = entries[entries.length - 1].seq;
      if (result !== 'ok') break;
      if (this.last.seq > before) {
        this.o.logger.info({ from: before + 1, to: this.last.seq }, `${this.o.service}#${this.o.selfId} applied hints`);
        this.o.onEvent?.('hints-applied', `${this.o.service}#${this.o.selfId} applied hints ${before + 1}..${this.last.seq}`, { from: before + 1, to: this.last.seq });
      }
    }
    // Only a log that took every hint may release them: a hint that does not follow this log may be
    // an acknowledged write this replica lacks, and must stay until it can be applied.
    if (result === 'ok') {
      await client.send(RECOVERY.ACK_HINTS, { service: this.o.service, target: this.o.selfId, uptoSeq: this.last.seq }, this.o.rpcTimeoutMs);
    }
    return result;
  }

  /** The peer that reports being leader with the newest term (not older than ours), if any answers. */
  private async findLeader(): Promise<Instance | null> {
    const answers = await Promise.allSettled(this.o.peers.map((p) =>
      this.o.pool.get(p).send<ReplicaStatus>(this.patterns.STATUS, {}, this.o.rpcTimeoutMs).then((s) => ({ p, s }))));
    let best: { p: Instance; s: ReplicaStatus } | null = null;
    for (const a of answers) {
      if (a.status !== 'fulfilled' || a.value.s.role !== this.o.roles.leader) continue;
      if (compareTerms(a.value.s.term, this.term) < 0) continue;
      if (!best || compareTerms(a.value.s.term, best.s.term) > 0) best = a.value;
    }
    return best?.p ?? null;
  }

  private async pullFrom(leader: Instance): Promise<void> {
    const client = this.o.pool.get(leader);
    for (;;) {
      const reply = await client.send<EntriesAfterReply<B, S>, EntriesAfterRequest>(
        this.patterns.ENTRIES_AFTER, { after: this.last, limit: this.batchSize }, Math.max(this.o.rpcTimeoutMs, 5000));
      const done = await this.lock.runExclusive(async () => {
        if (compareTerms(reply.term, this.term) > 0) await this.observeTerm(reply.term, leader.id);
        if (reply.kind === 'snapshot') {
          this.o.logger.warn({ mine: this.last, theirs: reply.last }, `${this.o.service}#${this.o.selfId} installs a snapshot from ${leader.id}`);
          this.o.onEvent?.('snapshot', `${this.o.service}#${this.o.selfId} diverged and installs a snapshot from ${leader.id}`, { at: reply.last.seq });
          await this.o.store.install(reply.snapshot, reply.last);
          this.last = reply.last;
          this.tail.clear();
          return false;
        }
        if (!reply.entries.length) return true;
        const res = await this.appendChained(reply.entries, reply.term);
        if (res !== 'ok') throw new Error(`entries from ${leader.id} do not follow this log (${res})`);
        return this.last.seq >= reply.last.seq;
      });
      if (done) return;
      await sleep(0);
    }
  }
}
