import { Controller } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ReadinessController } from '@app/cluster';
import { HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { CartMembership } from '../membership/cart-membership.service';

@ApiTags('operations')
@Controller()
export class HealthController extends ReadinessController {
  constructor(health: HealthCheckService, indicators: HealthIndicatorService, private readonly members: CartMembership) {
    super(health, indicators);
  }

  protected readiness() {
    return [
      () => this.indicator('membership', this.members.ready, { note: 'first round of kv-node health checks done' }),
      () => {
        const up = this.members.nodes.filter((n) => this.members.isHealthy(n.id)).map((n) => n.id);
        return this.peer('kv-nodes', up.length > 0, { up });
      },
    ];
  }
}
