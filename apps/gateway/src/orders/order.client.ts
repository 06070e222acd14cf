import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, LOGGER, PeerPool, sleep, type Elector, type LoadedConfig } from '@app/cluster';
import { DomainError, ErrorCode, ORDER, type BuyReply, type BuyRequest, type GetOrderRequest, type Order } from '@app/contracts';
import type { Logger } from 'pino';
import type { GatewayEnv } from '../config/gateway.config';
import { ElectionService } from '../cluster/election.service';

/** Errors after which the same request may be sent again (to the next leader): buys carry an idempotency key. */
const RETRY = new Set([ErrorCode.NOT_LEADER, ErrorCode.STALE_TERM, ErrorCode.UNAVAILABLE]);

/**
 * Calls to the order leader, stamped with its term. Through a failover a buy is repeated with the
 * same idempotency key until BUY_DEADLINE_MS, so the client sees one order and stock is taken once.
 */
@Injectable()
export class OrderClient {
  private readonly elector: Elector;

  constructor(
    election: ElectionService,
    private readonly pool: PeerPool,
    @Inject(CONFIG) private readonly config: LoadedConfig<GatewayEnv>,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.elector = election.order;
  }

  buy(req: Omit<BuyRequest, 'term'>, rid?: string): Promise<BuyReply> {
    return this.call<BuyReply, BuyRequest>(ORDER.BUY, (term) => ({ ...req, term }), rid);
  }

  get(number: number, rid?: string): Promise<Order> {
    return this.call<Order, GetOrderRequest>(ORDER.GET, (term) => ({ number, term }), rid);
  }

  private async call<R, P extends object>(pattern: string, payload: (term: import('@app/contracts').Term) => P, rid?: string): Promise<R> {
    const deadline = Date.now() + this.config.env.BUY_DEADLINE_MS;
    for (;;) {
      let leader;
      try {
        leader = await this.elector.awaitLeader(Math.max(0, deadline - Date.now()));
      } catch {
        throw new DomainError(ErrorCode.UNAVAILABLE, 'no order leader can be reached');
      }
      try {
        const attempt = Math.max(50, Math.min(this.config.env.ATTEMPT_TIMEOUT_MS, deadline - Date.now()));
        return await this.pool.get(leader.instance).send<R, P>(pattern, payload(leader.term), attempt, rid);
      } catch (err) {
        const e = DomainError.fromWire(err);
        if (!RETRY.has(e.code) || Date.now() >= deadline) throw e.code === ErrorCode.UNAVAILABLE ? new DomainError(ErrorCode.UNAVAILABLE, 'no order leader can be reached', e.details) : e;
        this.logger.warn({ rid, err: e.message, leader: leader.instance.id }, `${pattern} retried after a leader change`);
        await this.elector.reportFailure(leader.instance.id, e);
        await sleep(30);
      }
    }
  }
}
