import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ClusterViewService } from '../cluster/cluster-view.service';
import { ElectionService } from '../cluster/election.service';

@ApiTags('operations')
@Controller()
export class OpsController {
  constructor(private readonly view: ClusterViewService, private readonly election: ElectionService) {}

  @Get('cluster')
  @ApiOperation({ summary: 'Every instance this gateway knows, with role, term and health' })
  cluster() {
    return { services: this.view.services() };
  }

  @Get('cluster/events')
  @ApiOperation({ summary: 'Recent elections and failovers seen by this gateway' })
  events() {
    return { events: this.election.recentEvents() };
  }
}
