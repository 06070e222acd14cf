import { Inject, Injectable } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { OPS, type ClusterEvent, type EventsReply, type EventsRequest } from '@app/contracts';
import type { Logger } from 'pino';
import type { BaseEnv, LoadedConfig } from './config';
import { RpcController } from './rpc-controller.decorator';
import { CONFIG, LOGGER } from './tokens';


/**
 * The recent cluster events this instance saw (a ring of the last 500): what the dashboard's timeline
 * shows. Each event is also a log line.
 */
@Injectable()
export class EventLog {
  private readonly events: ClusterEvent[] = [];
  private seq = 0;
  private readonly source: string;

  constructor(@Inject(CONFIG) config: LoadedConfig<BaseEnv>, @Inject(LOGGER) private readonly logger: Logger) {
    this.source = `${config.self.app}#${config.self.id}`;
  }

  record(kind: string, message: string, details?: Record<string, unknown>): void {
    const e: ClusterEvent = { seq: ++this.seq, at: new Date().toISOString(), source: this.source, kind, message, ...(details ? { details } : {}) };
    this.events.push(e);
    if (this.events.length > 500) this.events.shift();
    this.logger.info({ event: kind, ...details }, message);
  }

  since(after: number): EventsReply {
    return { events: this.events.filter((e) => e.seq > after), last: this.seq };
  }
}

@RpcController()
export class OpsRpcController {
  constructor(private readonly events: EventLog) {}

  @MessagePattern(OPS.EVENTS)
  list(@Payload() req: EventsRequest): EventsReply {
    return this.events.since(Number.isSafeInteger(req?.after) ? req.after : 0);
  }
}
