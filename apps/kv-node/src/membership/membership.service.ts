import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { CONFIG, EventLog, instancesOf, LOGGER, PeerPool, type Instance, type LoadedConfig } from '@app/cluster';
import { DomainError, ErrorCode, KV, type KvClaimRequest } from '@app/contracts';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { KvEnv } from '../config/kv.config';

interface Heartbeat {
  id: number;
  term: number;
  leader: number | null;
  ready: boolean;
}

interface PeerState {
  instance: Instance;
  lastSeen: number;
  beat: Heartbeat | null;
}

export interface MemberView {
  id: number;
  role: 'leader' | 'member';
  healthy: boolean;
  ready: boolean;
  http: string;
  lastSeenMs: number | null;
}

/**
 * Membership and the partition leader, agreed among the kv-nodes themselves from UDP heartbeats (the
 * KV Datastore must stay writable with half its nodes down, so no majority can be required): every
 * node sends {id, term, leader, ready} to every other every KV_HEARTBEAT_MS; a node not heard from for
 * KV_SUSPECT_AFTER_MS is down. The leader is the highest-id healthy node that is ready (refilled). When
 * a node finds that it should lead, it takes a term above every term it has seen and says so in its
 * heartbeats; the others follow the highest healthy node once it claims a term at least theirs. Terms
 * are kept on disk so they never go back. Each node prints one line when it learns who leads.
 * Guarantee: with crash faults (and the failure detector eventually right), one leader per term and a
 * newer term after each change; under a network partition each side may elect its own leader (the
 * GUARANTEES section of the README says what that means for data).
 */
@Injectable()
export class MembershipService implements OnModuleInit, OnApplicationShutdown {
  readonly self: Instance;
  private readonly peers = new Map<number, PeerState>();
  private socket: Socket | null = null;
  private timer: NodeJS.Timeout | null = null;
  private term = 0;
  private leader: number | null = null;
  private agreedOnce = false;
  private maxSeen = 0;
  private ready = false;
  private readonly startedAt = Date.now();
  private readonly listeners: ((leader: number | null, term: number) => void)[] = [];
  private readonly termFile: string;

  private claiming = false;
  /** the highest (term, leader) claimed to this node, so that two simultaneous claims cannot both win */
  private claimed: KvClaimRequest = { term: 0, leader: 0 };

  constructor(
    @Inject(CONFIG) private readonly config: LoadedConfig<KvEnv>,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly pool: PeerPool,
    private readonly events: EventLog,
  ) {
    this.self = config.self;
    for (const i of instancesOf(config.topology, 'kv-node')) if (i.id !== this.self.id) this.peers.set(i.id, { instance: i, lastSeen: 0, beat: null });
    this.termFile = join(config.dataDir, `kv-node-${this.self.id}`, 'term');
    if (existsSync(this.termFile)) this.term = Number(readFileSync(this.termFile, 'utf8')) || 0;
    this.maxSeen = this.term;
  }

  onModuleInit(): void {
    if (!this.self.udp) throw new Error(`kv-node#${this.self.id} has no udp port in the topology`);
    this.socket = createSocket('udp4');
    this.socket.on('message', (msg) => this.receive(msg));
    this.socket.on('error', (err) => this.logger.error({ err: err.message }, 'heartbeat socket error'));
    this.socket.bind(this.self.udp, this.self.bind ?? this.self.host);
    this.timer = setInterval(() => this.beat(), this.config.env.KV_HEARTBEAT_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.socket?.close();
  }

  onLeaderChange(listener: (leader: number | null, term: number) => void): void {
    this.listeners.push(listener);
  }

  /** This node has been refilled from its peers and may serve and lead. */
  markReady(): void {
    this.ready = true;
    this.decide();
  }

  isReady(): boolean {
    return this.ready;
  }

  /** A leader has been agreed since this node started (start-up is over; later elections are transient). */
  hasAgreedLeader(): boolean {
    return this.agreedOnce;
  }

  currentLeader(): number | null {
    return this.leader;
  }

  currentTerm(): number {
    return this.term;
  }

  isLeader(): boolean {
    return this.leader === this.self.id;
  }

  isHealthy(id: number): boolean {
    if (id === this.self.id) return true;
    const p = this.peers.get(id);
    return !!p && Date.now() - p.lastSeen < this.config.env.KV_SUSPECT_AFTER_MS;
  }

  /** The other nodes that are up now. */
  livePeers(): Instance[] {
    return [...this.peers.values()].filter((p) => this.isHealthy(p.instance.id)).map((p) => p.instance);
  }

  instance(id: number): Instance {
    return id === this.self.id ? this.self : this.peers.get(id)!.instance;
  }

  /** Adopts a term seen in a message from a leader (fencing: older terms are refused by the caller). */
  observeTerm(term: number): void {
    if (term > this.maxSeen) this.maxSeen = term;
  }

  /** The newest term this node has heard of: a write stamped with an older one comes from a deposed leader. */
  maxSeenTerm(): number {
    return this.maxSeen;
  }

  /**
   * Another node is about to lead in `term`. Accepted unless a newer claim was seen: this node then
   * fences older terms and, if it led, steps down at once (before the new leader serves anything).
   */
  onClaim(c: KvClaimRequest): { ok: true } {
    if (c.term < this.maxSeen || (c.term === this.claimed.term && c.leader < this.claimed.leader)) {
      throw new DomainError(ErrorCode.STALE_TERM, `claim of term ${c.term} by ${c.leader} is older than what this node has seen`, { term: this.maxSeen });
    }
    this.claimed = c;
    this.observeTerm(c.term);
    // a claim is news of the claimant as its next heartbeat would bring it: alive, ready (only a ready
    // node claims) and leading in c.term. Without this, a node that has not yet had that heartbeat
    // would see itself as the best candidate right after accepting and claim a newer term (a flap).
    const p = this.peers.get(c.leader);
    if (p) {
      p.lastSeen = Date.now();
      p.beat = { id: c.leader, term: c.term, leader: c.leader, ready: true };
    }
    if (this.leader !== c.leader || this.term !== c.term) this.become(c.leader, c.term);
    return { ok: true };
  }

  members(): MemberView[] {
    const all = [
      { instance: this.self, lastSeen: Date.now(), beat: { id: this.self.id, term: this.term, leader: this.leader, ready: this.ready } },
      ...this.peers.values(),
    ];
    return all.sort((a, b) => a.instance.id - b.instance.id).map((p) => ({
      id: p.instance.id,
      role: p.instance.id === this.leader ? 'leader' : 'member',
      healthy: this.isHealthy(p.instance.id),
      ready: p.beat?.ready ?? false,
      http: `http://${p.instance.host}:${p.instance.http}`,
      lastSeenMs: p.lastSeen ? Date.now() - p.lastSeen : null,
    }));
  }

  private beat(): void {
    const msg = Buffer.from(JSON.stringify({ id: this.self.id, term: this.term, leader: this.leader, ready: this.ready } satisfies Heartbeat));
    for (const p of this.peers.values()) this.socket?.send(msg, p.instance.udp!, p.instance.host);
    this.decide();
  }

  private receive(msg: Buffer): void {
    let b: Heartbeat;
    try {
      b = JSON.parse(msg.toString('utf8')) as Heartbeat;
    } catch {
      return;
    }
    const p = this.peers.get(b?.id);
    if (!p || !Number.isSafeInteger(b.term)) return;
    p.lastSeen = Date.now();
    p.beat = b;
    this.observeTerm(b.term);
  }

  private decide(): void {
    // give every node a few heartbeats to hear the others before the first choice, so that the
    // nodes starting together agree at once instead of electing the first one up
    if (Date.now() - this.startedAt < this.config.env.KV_SUSPECT_AFTER_MS) return;
    const candidates = [this.ready ? this.self.id : -1, ...[...this.peers.values()]
      .filter((p) => this.isHealthy(p.instance.id) && p.beat?.ready).map((p) => p.instance.id)].filter((id) => id > 0);
    const best = candidates.length ? Math.max(...candidates) : null;
    if (best === this.self.id) {
      // the first election of a cluster starting together waits for everybody (or for the start-up wait)
      const anyLeader = this.leader !== null || [...this.peers.values()].some((p) => p.beat?.leader != null && this.isHealthy(p.instance.id));
      const everyone = [...this.peers.values()].every((p) => this.isHealthy(p.instance.id) && p.beat?.ready);
      if (!anyLeader && !everyone && Date.now() - this.startedAt < this.config.env.KV_STARTUP_WAIT_MS) return;
      // lead, or lead again in a newer term when a newer one was seen (a claim that failed elsewhere)
      if ((this.leader !== this.self.id || this.term < this.maxSeen) && !this.claiming) void this.claim(Math.max(this.maxSeen, this.term) + 1);
      return;
    }
    if (best === null) {
      if (this.leader !== null) this.become(null, this.term);
      return;
    }
    const b = this.peers.get(best)!.beat!;
    if (b.leader === best && b.term >= this.term) {
      if (this.leader !== best || this.term !== b.term) this.become(best, b.term);
    } else if (this.leader !== null && !this.isHealthy(this.leader)) {
      this.become(null, this.term);
    }
  }

  /**
   * Before leading, tell every peer and wait for their answers (or their failure): the old leader (if alive) steps down and
   * every replica refuses older terms from then on, so the old and the new leader never serve at once
   * (crash faults; a partitioned old leader that cannot be told is the weaker case in GUARANTEES).
   */
  private async claim(term: number): Promise<void> {
    this.claiming = true;
    this.maxSeen = Math.max(this.maxSeen, term);
    this.claimed = { term, leader: this.self.id };
    try {
      const req: KvClaimRequest = { term, leader: this.self.id };
      // every node of the topology, not only those this node believes up: a leader that is merely slow
      // (its heartbeats late) must step down too before this one serves; a dead one refuses the
      // connection at once, a hung one costs one RPC timeout
      const everyone = [...this.peers.values()].map((p) => p.instance);
      const results = await Promise.allSettled(everyone.map((p) => this.pool.get(p).send(KV.CLAIM, req, this.config.env.RPC_TIMEOUT_MS)));
      const refused = results.find((r) => r.status === 'rejected' && r.reason instanceof DomainError && r.reason.code === ErrorCode.STALE_TERM);
      if (refused) {
        const t = ((refused as PromiseRejectedResult).reason as DomainError).details?.term;
        if (typeof t === 'number') this.observeTerm(t);
        return;
      }
      if (this.claimed.leader === this.self.id && this.claimed.term === term) this.become(this.self.id, term);
    } finally {
      this.claiming = false;
    }
  }

  private become(leader: number | null, term: number): void {
    this.leader = leader;
    if (leader !== null) this.agreedOnce = true;
    if (term !== this.term) {
      this.term = term;
      this.maxSeen = Math.max(this.maxSeen, term);
      mkdirSync(join(this.termFile, '..'), { recursive: true });
      writeFileSync(this.termFile, String(term));
    }
    const line = leader === null
      ? `kv-node ${this.self.id}: no leader (term ${term})`
      : `kv-node ${this.self.id}: node ${leader} leads in term ${term}`;
    console.log(line);
    this.events.record('kv-leader', line, { leader, term });
    for (const l of this.listeners) l(leader, term);
  }
}
