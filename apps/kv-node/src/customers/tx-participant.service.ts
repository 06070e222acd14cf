import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { CONFIG, Faults, instancesOf, LOGGER, PeerPool, sleep, type LoadedConfig } from '@app/cluster';
import {
  COORDINATOR, DomainError, ErrorCode, TX,
  type Customer, type KvOp, type TxFinishRequest, type TxPrepareReply, type TxPrepareRequest, type TxStatusReply,
} from '@app/contracts';
import { Mutex } from 'async-mutex';
import type { Logger } from 'pino';
import type { KvEnv } from '../config/kv.config';
import { KvService } from '../kv/kv.service';
import { MembershipService } from '../membership/membership.service';

/** A two-phase transaction as the customers store keeps it, in the durable `tx` namespace on every node. */
interface CustomersTx {
  txId: string;
  state: 'prepared' | 'committed' | 'aborted';
  coordinator: number;
  /** customer id → orders_count after the commit */
  changes: Record<string, number>;
  at: string;
}

const LOCK_WAIT_MS = 2000;
const IN_DOUBT_AFTER_MS = 3000;

/**
 * The customers store's side of /books-2pc, run by the kv partition leader (other nodes forward to
 * it). Prepare counts every customer that exists then (+1 each) and keeps the transaction prepared in
 * the durable, everywhere-replicated `tx` namespace; while prepared, the customers it will change are
 * locked: a conflicting write waits up to 2 s, then answers 503 with Retry-After. Commit writes the
 * counts; abort drops them. The prepared state lives in the replicated store, so a new leader holds
 * the same locks and can finish the transaction; one left undecided is resolved with the coordinator.
 * A commit writes absolute counts, so finishing it again after a crash half-way is harmless.
 *
 * Fault point: customers.tx-crash-mid-commit (the leader dies after writing the first customer).
 */
@Injectable()
export class TxParticipantService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly mutex = new Mutex();
  private timer: NodeJS.Timeout | null = null;
  private readonly faults: Faults;

  constructor(
    private readonly kv: KvService,
    private readonly members: MembershipService,
    private readonly pool: PeerPool,
    @Inject(CONFIG) private readonly config: LoadedConfig<KvEnv>,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.faults = new Faults(config.faults, logger);
  }

  onApplicationBootstrap(): void {
    this.kv.lockCheck = (op) => this.waitUnlocked(op);
    this.timer = setInterval(() => void this.resolveInDoubt(), 1000);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Runs on the leader; any other node forwards the message there. */
  private async onLeader<R>(pattern: string, req: object, fn: () => Promise<R>): Promise<R> {
    if (this.members.isLeader()) return this.mutex.runExclusive(fn);
    const leader = this.members.currentLeader();
    if (leader === null) throw new DomainError(ErrorCode.UNAVAILABLE, 'no kv leader is known yet');
    return this.pool.get(this.members.instance(leader)).send<R>(pattern, req, this.config.env.RPC_TIMEOUT_MS * 3);
  }

  prepare(req: TxPrepareRequest): Promise<TxPrepareReply> {
    return this.onLeader(TX.PREPARE, req, async () => {
      const existing = await this.record(req.txId);
      if (existing) return existing.state === 'aborted' ? { vote: 'no', reason: 'already aborted' } : { vote: 'yes', customers: Object.keys(existing.changes).length };
      const customers = await this.customers();
      const busy = customers.find((c) => this.lockedBy(c.id, req.txId));
      if (busy) return { vote: 'no', reason: `customer ${busy.id} is locked by another prepared transaction` };
      const changes = Object.fromEntries(customers.map((c) => [String(c.id), c.orders_count + 1]));
      await this.save({ txId: req.txId, state: 'prepared', coordinator: req.coordinator, changes, at: new Date().toISOString() });
      this.logger.info({ rid: req.rid, txId: req.txId, customers: customers.length }, '2pc: customers prepared');
      return { vote: 'yes', customers: customers.length };
    });
  }

  finish(req: TxFinishRequest, decision: 'committed' | 'aborted'): Promise<{ state: string }> {
    return this.onLeader(decision === 'committed' ? TX.COMMIT : TX.ABORT, req, async () => {
      const tx = await this.record(req.txId);
      if (!tx) {
        if (decision === 'aborted') return { state: 'aborted' };
        throw new DomainError(ErrorCode.CONFLICT, `transaction ${req.txId} was not prepared here`);
      }
      if (tx.state !== 'prepared') {
        if (tx.state === decision) return { state: decision };
        throw new DomainError(ErrorCode.CONFLICT, `transaction ${req.txId} is already ${tx.state}`);
      }
      if (decision === 'committed') {
        for (const [id, count] of Object.entries(tx.changes)) {
          const cur = await this.kv.execute({ op: 'get', ns: 'customers', key: `c:${id}` });
          if (!('found' in cur) || !cur.found) continue;
          await this.kv.execute({ op: 'put', ns: 'customers', key: `c:${id}`, value: { ...(cur.value as Customer), orders_count: count }, tx: tx.txId });
          this.faults.crashPoint('customers.tx-crash-mid-commit');
        }
      }
      await this.save({ ...tx, state: decision });
      this.logger.info({ rid: req.rid, txId: req.txId, decision }, `2pc: customers ${decision}`);
      return { state: decision };
    });
  }

  /** The customers a prepared transaction (other than `txId`) holds: those writes must wait. */
  private lockedBy(customerId: number, exceptTx?: string): string | null {
    for (const e of this.kv.ns('tx').scan('tx:')) {
      const t = e.value as CustomersTx;
      if (t.state === 'prepared' && t.txId !== exceptTx && String(customerId) in t.changes) return t.txId;
    }
    return null;
  }

  private async waitUnlocked(op: KvOp): Promise<void> {
    if (op.ns !== 'customers' || op.op === 'get' || op.op === 'scan' || op.op === 'incr' || !op.key.startsWith('c:')) return;
    const id = Number(op.key.slice(2));
    const own = op.op === 'put' ? op.tx : undefined;
    const until = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      const tx = this.lockedBy(id, own);
      if (!tx) return;
      if (Date.now() >= until) {
        throw new DomainError(ErrorCode.UNAVAILABLE, `customer ${id} is locked by prepared transaction ${tx}; try again`, { retryAfterSeconds: 1, applied: false });
      }
      await sleep(50);
    }
  }

  private async customers(): Promise<Customer[]> {
    const r = await this.kv.execute({ op: 'scan', ns: 'customers', prefix: 'c:' });
    return ('entries' in r ? r.entries : []).map((e) => e.value as Customer);
  }

  private async record(txId: string): Promise<CustomersTx | null> {
    const r = await this.kv.execute({ op: 'get', ns: 'tx', key: `tx:${txId}` });
    return 'found' in r && r.found ? (r.value as CustomersTx) : null;
  }

  private async save(tx: CustomersTx): Promise<void> {
    await this.kv.execute({ op: 'put', ns: 'tx', key: `tx:${tx.txId}`, value: tx });
  }

  /** Leader only: prepared transactions not decided in time are resolved with their coordinator. */
  private async resolveInDoubt(): Promise<void> {
    if (!this.members.isLeader()) return;
    for (const e of this.kv.ns('tx').scan('tx:')) {
      const tx = e.value as CustomersTx;
      if (tx.state !== 'prepared' || Date.now() - Date.parse(tx.at) < IN_DOUBT_AFTER_MS) continue;
      const gw = instancesOf(this.config.topology, 'gateway').find((g) => g.id === tx.coordinator);
      let state: TxStatusReply['state'] = 'unknown';
      if (gw) {
        try {
          state = (await this.pool.get(gw).send<TxStatusReply>(COORDINATOR.STATUS, { txId: tx.txId }, this.config.env.RPC_TIMEOUT_MS)).state;
        } catch {
          continue;
        }
      }
      if (state === 'preparing') continue;
      const decision = state === 'committed' ? 'committed' : 'aborted';
      this.logger.warn({ txId: tx.txId, state }, `2pc: in-doubt customers transaction resolved with the coordinator: ${decision}`);
      await this.finish({ txId: tx.txId }, decision).catch((err: Error) => this.logger.warn({ err: err.message }, '2pc: could not finish'));
    }
  }
}
