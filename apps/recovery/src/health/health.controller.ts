import { Controller } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { ReadinessController } from '@app/cluster';
import { HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { DataSource } from 'typeorm';

@ApiTags('operations')
@Controller()
export class HealthController extends ReadinessController {
  constructor(health: HealthCheckService, indicators: HealthIndicatorService, @InjectDataSource() private readonly ds: DataSource) {
    super(health, indicators);
  }

  protected readiness() {
    return [() => this.indicator('database', this.ds.isInitialized)];
  }
}
