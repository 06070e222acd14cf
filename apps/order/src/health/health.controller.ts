import { Controller } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { ReadinessController } from '@app/cluster';
import { HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { DataSource } from 'typeorm';
import { OrderReplica } from '../replication/order-replica';

@ApiTags('operations')
@Controller()
export class HealthController extends ReadinessController {
  constructor(
    health: HealthCheckService,
    indicators: HealthIndicatorService,
    @InjectDataSource() private readonly ds: DataSource,
    private readonly replica: OrderReplica,
  ) {
    super(health, indicators);
  }

  protected readiness() {
    return [
      () => this.indicator('database', this.ds.isInitialized),
      () => {
        const s = this.replica.status();
        return this.indicator('replica', s.ready, { role: s.role, last: s.last.seq, ...(s.reason ? { reason: s.reason } : {}) });
      },
    ];
  }
}
