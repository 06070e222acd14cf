import { Get } from '@nestjs/common';
import { ApiOperation, ApiResponse } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthIndicatorFunction } from '@nestjs/terminus';

/**
 * GET /health is readiness (Terminus format): 200 when this instance's own store is open and it has
 * caught up; 503 otherwise. Peers are reported as `degraded` when unreachable: they are shown but do
 * not make this instance unready. GET /health/live is liveness: the process answers.
 * Each app subclasses this with its own indicators (route decorators are inherited).
 */
export abstract class ReadinessController {
  constructor(
    protected readonly health: HealthCheckService,
    protected readonly indicators: HealthIndicatorService,
  ) {}

  protected abstract readiness(): HealthIndicatorFunction[];

  @Get('health')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: own store open and caught up; peers reported, not required' })
  @ApiResponse({ status: 200, description: 'ready' })
  @ApiResponse({ status: 503, description: 'not ready' })
  ready() {
    return this.health.check(this.readiness());
  }

  @Get('health/live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the process answers' })
  live() {
    return this.health.check([() => this.indicators.check('process').up({ pid: process.pid })]);
  }

  /** Indicator helper: up when `ok`, down otherwise, with details either way. */
  protected indicator(key: string, ok: boolean, data: Record<string, unknown> = {}) {
    const s = this.indicators.check(key);
    return ok ? s.up(data) : s.down(data);
  }

  /** Indicator helper for peers: up when reachable, degraded (not down) when not. */
  protected peer(key: string, ok: boolean, data: Record<string, unknown> = {}) {
    const s = this.indicators.check(key);
    return ok ? s.up(data) : s.degraded(data);
  }
}
