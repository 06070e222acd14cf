import { Controller, Get, Header, Param, Query, Res, Sse, type MessageEvent } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DomainError, ErrorCode } from '@app/contracts';
import type { FastifyReply } from 'fastify';
import { readFileSync } from 'node:fs';
import { Observable } from 'rxjs';
import { DashboardService } from './dashboard.service';
import { DASHBOARD_PAGE } from './dashboard.page';

/** uPlot (a small, well-kept time-series chart library), served from node_modules: the page works offline. */
const ASSETS: Record<string, { type: string; body: string }> = {
  'uplot.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8') },
  'uplot.css': { type: 'text/css; charset=utf-8', body: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8') },
};

@ApiTags('operations')
@Controller('dashboard')
export class DashboardController {
  constructor(private readonly dashboard: DashboardService) {}

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @ApiOperation({ summary: 'The live cluster dashboard (instances, placement, events, figures), updated by server-sent events' })
  page(): string {
    return DASHBOARD_PAGE;
  }

  @Get('state')
  @ApiOperation({ summary: 'What the dashboard shows, once: instances by service, recent events, recent figures' })
  state() {
    return this.dashboard.state();
  }

  @Sse('stream')
  @ApiOperation({ summary: 'Server-sent events: every second, the instances, new events and the latest figures' })
  stream(): Observable<MessageEvent> {
    return new Observable((sub) => this.dashboard.subscribe((data) => sub.next({ data }), () => sub.complete()));
  }

  @Get('placement/kv')
  @ApiOperation({ summary: 'Which kv-nodes hold which partitions' })
  kvPlacement() {
    return this.dashboard.kvPlacement();
  }

  @Get('placement/cart')
  @ApiOperation({ summary: 'The kv-nodes that hold a cart key (an email, a product name, or a full key)' })
  cartPlacement(@Query('key') key: unknown) {
    if (typeof key !== 'string' || !key || key.length > 300) throw new DomainError(ErrorCode.VALIDATION_FAILED, 'key is required');
    return this.dashboard.cartPlacement(key);
  }

  @Get('assets/:name')
  @ApiExcludeEndpoint()
  asset(@Param('name') name: string, @Res() reply: FastifyReply) {
    const a = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!a) throw new DomainError(ErrorCode.NOT_FOUND, `no dashboard asset ${name}`);
    void reply.header('content-type', a.type).header('cache-control', 'max-age=3600').send(a.body);
  }
}
