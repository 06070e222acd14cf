import { Controller } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ReadinessController } from '@app/cluster';
import { HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { MembershipService } from '../membership/membership.service';

@ApiTags('operations')
@Controller()
export class HealthController extends ReadinessController {
  constructor(health: HealthCheckService, indicators: HealthIndicatorService, private readonly members: MembershipService) {
    super(health, indicators);
  }

  protected readiness() {
    return [
      () => this.indicator('refilled', this.members.isReady(), { note: 'pulled what it missed from its peers' }),
      // not ready before the first leader is agreed (requests would only get 503 "no kv leader"); a later
      // election is transient and shows as degraded below, not as down
      () => this.indicator('started', this.members.hasAgreedLeader(), { note: 'a leader has been agreed since start-up' }),
      () => this.peer('leader', this.members.currentLeader() !== null, { leader: this.members.currentLeader(), term: this.members.currentTerm() }),
    ];
  }
}
