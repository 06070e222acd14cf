import { Controller } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ReadinessController } from '@app/cluster';
import { HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { ElectionService } from '../cluster/election.service';

@ApiTags('operations')
@Controller()
export class HealthController extends ReadinessController {
  constructor(health: HealthCheckService, indicators: HealthIndicatorService, private readonly election: ElectionService) {
    super(health, indicators);
  }

  protected readiness() {
    return [
      () => this.indicator('elector', this.election.ready, { note: 'first round of replica health checks done' }),
      () => {
        const views = this.election.catalog.replicaViews();
        const leader = this.election.catalog.currentLeader();
        return this.peer('catalog', views.some((v) => v.healthy) && !!leader, {
          primary: leader?.instance.id ?? null, healthy: views.filter((v) => v.healthy).map((v) => v.instance.id),
        });
      },
      () => {
        const views = this.election.order.replicaViews();
        const leader = this.election.order.currentLeader();
        return this.peer('order', views.length === 0 || !!leader, {
          leader: leader?.instance.id ?? null, healthy: views.filter((v) => v.healthy).map((v) => v.instance.id),
        });
      },
    ];
  }
}
