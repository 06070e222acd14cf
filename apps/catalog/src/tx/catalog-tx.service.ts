import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { CONFIG, Faults, instancesOf, LOGGER, PeerPool, type LoadedConfig } from '@app/cluster';
import {
  COORDINATOR, DomainError, ErrorCode,
  type TxFinishRequest, type TxPrepareReply, type TxPrepareRequest, type TxStatusReply,
} from '@app/contracts';
import type { Logger } from 'pino';
import type { CatalogEnv } from '../config/catalog.config';
import { CatalogService } from '../items/catalog.service';
import { CatalogStore } from '../items/catalog.store';
import { CatalogReplica } from '../replication/catalog-replica';

/** How long a prepared transaction waits for its decision before this participant asks the coordinator. */
const IN_DOUBT_AFTER_MS = 3000;

/**
 * The catalog's side of /books-2pc: prepare keeps the insert of the book (with an id reserved for it)
 * as a prepared transaction in the replicated log, so a new primary has it too; commit or abort
 * finishes it. A transaction prepared here and not decided in time is "in doubt": the primary asks
 * the coordinator (presumed abort when the coordinator has no record of it).
 *
 * Fault point: catalog.tx-crash-before-commit (the primary dies on receiving the commit decision).
 */
@Injectable()
export class CatalogTxService implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | null = null;
  private readonly faults: Faults;

  constructor(
    private readonly catalog: CatalogService,
    private readonly store: CatalogStore,
    private readonly replica: CatalogReplica,
    private readonly pool: PeerPool,
    @Inject(CONFIG) private readonly config: LoadedConfig<CatalogEnv>,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.faults = new Faults(config.faults, logger);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.resolveInDoubt(), 1000);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async prepare(req: TxPrepareRequest): Promise<TxPrepareReply> {
    if (!req?.item) throw new DomainError(ErrorCode.VALIDATION_FAILED, 'prepare needs the book');
    const r = await this.catalog.write({ type: 'tx-prepare', txId: req.txId, coordinator: req.coordinator, item: req.item }, req.term, req.rid);
    if (!r.seq) await this.replica.waitAcknowledged(this.replica.lastPosition().seq); // a repeated prepare: the first one is durable too
    const tx = this.store.tx(req.txId)!;
    this.logger.info({ rid: req.rid, txId: req.txId, state: tx.state }, '2pc: prepared');
    return tx.state === 'aborted' ? { vote: 'no', reason: 'already aborted' } : { vote: 'yes', itemId: tx.item.id };
  }

  async finish(req: TxFinishRequest, decision: 'committed' | 'aborted'): Promise<{ state: string }> {
    if (decision === 'committed') this.faults.crashPoint('catalog.tx-crash-before-commit');
    await this.catalog.write({ type: 'tx-finish', txId: req.txId, decision }, req.term, req.rid);
    this.logger.info({ rid: req.rid, txId: req.txId, decision }, `2pc: ${decision}`);
    return { state: decision };
  }

  /** Primary only: asks the coordinator about transactions prepared too long ago. */
  private async resolveInDoubt(): Promise<void> {
    if (!this.replica.isLeader()) return;
    for (const tx of this.store.preparedTxs()) {
      if (Date.now() - Date.parse(tx.at) < IN_DOUBT_AFTER_MS) continue;
      const gw = instancesOf(this.config.topology, 'gateway').find((g) => g.id === tx.coordinator);
      let state: TxStatusReply['state'] = 'unknown';
      if (gw) {
        try {
          state = (await this.pool.get(gw).send<TxStatusReply>(COORDINATOR.STATUS, { txId: tx.txId }, this.config.env.RPC_TIMEOUT_MS)).state;
        } catch {
          continue; // coordinator unreachable: stay prepared (blocking is 2PC's nature), ask again later
        }
      }
      if (state === 'preparing') continue;
      const decision = state === 'committed' ? 'committed' : 'aborted';
      this.logger.warn({ txId: tx.txId, state }, `2pc: in-doubt transaction resolved with the coordinator: ${decision}`);
      await this.finish({ txId: tx.txId }, decision).catch((err: Error) => this.logger.warn({ err: err.message }, '2pc: could not finish'));
    }
  }
}
