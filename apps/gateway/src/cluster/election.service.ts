import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { CONFIG, Elector, EventLog, instancesOf, LOGGER, MetricsService, PeerPool, type ElectionEvent, type LoadedConfig } from '@app/cluster';
import { CATALOG_SERVICE, ORDER_SERVICE } from '@app/contracts';
import type { Logger } from 'pino';
import type { GatewayEnv } from '../config/gateway.config';

/** The electors this gateway runs: one per replicated service with an external elector. */
@Injectable()
export class ElectionService implements OnApplicationBootstrap, OnModuleDestroy {
  readonly catalog: Elector;
  readonly order: Elector;
  private readonly events: (ElectionEvent & { at: string })[] = [];

  constructor(
    @Inject(CONFIG) config: LoadedConfig<GatewayEnv>,
    @Inject(LOGGER) logger: Logger,
    pool: PeerPool,
    metrics: MetricsService,
    private readonly eventLog: EventLog,
  ) {
    const common = {
      electorId: config.self.id,
      pool,
      logger,
      intervalMs: config.env.HEALTH_INTERVAL_MS,
      failAfter: config.env.FAILOVER_AFTER_MISSES,
      suspectAfter: config.env.FAILOVER_AFTER_TIMEOUTS,
      startupGraceMs: config.env.ELECTION_GRACE_MS,
      onEvent: (e: ElectionEvent) => this.record(e),
    };
    this.catalog = new Elector({
      ...common, service: CATALOG_SERVICE, replicas: instancesOf(config.topology, 'catalog'), policy: 'witness', leaderRole: 'primary',
    });
    this.order = new Elector({
      ...common, service: ORDER_SERVICE, replicas: instancesOf(config.topology, 'order'), policy: 'majority', leaderRole: 'leader',
    });
    void metrics;
  }

  /** Electors by app name, for the services this gateway elects for. */
  electors(): Record<string, Elector> {
    return { catalog: this.catalog, order: this.order };
  }

  onApplicationBootstrap(): void {
    this.catalog.start();
    this.order.start();
  }

  onModuleDestroy(): void {
    this.catalog.stop();
    this.order.stop();
  }

  get ready(): boolean {
    return this.catalog.started && this.order.started;
  }

  recentEvents(): (ElectionEvent & { at: string })[] {
    return [...this.events];
  }

  private record(e: ElectionEvent): void {
    if (e.kind !== 'replica-up' || this.ready) this.eventLog.record(`election:${e.kind}`, e.message, { service: e.service, replica: e.replica, term: e.term && `${e.term.counter}.${e.term.electorId}` });
    this.events.push({ ...e, at: new Date().toISOString() });
    if (this.events.length > 200) this.events.shift();
  }
}
