import 'reflect-metadata';
import type { Server, Socket } from 'node:net';
import { NestFactory } from '@nestjs/core';
import type { ArgumentsHost, DynamicModule, Type } from '@nestjs/common';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { WsAdapter } from '@nestjs/platform-ws';
import type { DomainError } from '@app/contracts';
import type { Logger } from 'pino';
import { AllErrorsFilter, type HttpErrorReply } from './errors-filter';
import { PinoNestLogger } from './logger';
import { MetricsService } from './metrics';
import { newRequestId } from './request-context';
import type { Instance } from './topology';

export interface BootstrapOptions {
  module: Type<unknown> | DynamicModule;
  self: Instance;
  logger: Logger;
  title: string;
  description: string;
  /** maps a domain error to a contract-specific HTTP reply; undefined falls back to {"message"} */
  httpErrors?: (err: DomainError, host: ArgumentsHost) => HttpErrorReply | undefined;
  /** largest accepted request body (default 64 KiB): bigger bodies get 413 */
  bodyLimit?: number;
  /** serve Nest WebSocket gateways on the HTTP server (ws adapter) */
  websockets?: boolean;
}

/**
 * Starts one hybrid instance: HTTP (Fastify) on `self.http` and Nest TCP transport on `self.tcp`,
 * with one error filter and one request-context interceptor for both (inheritAppConfig), Swagger at
 * /docs, JSON logs, per-route metrics, and graceful shutdown on SIGTERM.
 */
export async function bootstrapInstance(opts: BootstrapOptions): Promise<NestFastifyApplication> {
  const { self, logger } = opts;
  const adapter = new FastifyAdapter({
    bodyLimit: opts.bodyLimit ?? 64 * 1024,
    requestIdHeader: 'x-request-id',
    genReqId: () => newRequestId(),
    logger: false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(opts.module, adapter, {
    logger: new PinoNestLogger(logger),
  });
  const metrics = app.get(MetricsService);
  const fastify = app.getHttpAdapter().getInstance();
  // Per-route metrics from one Fastify hook (cheaper than a Nest interceptor), with the labelled
  // child of each (method, route, status) looked up once.
  const children = new Map<string, { observe(v: number): void }>();
  fastify.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions?.url ?? 'unmatched';
    const k = `${req.method} ${route} ${reply.statusCode}`;
    let child = children.get(k);
    if (!child) {
      child = metrics.httpDuration.labels(req.method, route, String(reply.statusCode));
      children.set(k, child);
    }
    child.observe(reply.elapsedTime / 1000);
    if (reply.statusCode >= 500 || logger.isLevelEnabled('debug')) {
      logger[reply.statusCode >= 500 ? 'warn' : 'debug'](
        { rid: req.id, method: req.method, url: req.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 100) / 100 },
        'request',
      );
    }
    done();
  });

  app.useGlobalFilters(new AllErrorsFilter(logger, opts.httpErrors));
  if (opts.websockets) app.useWebSocketAdapter(new WsAdapter(app));
  app.enableShutdownHooks();

  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle(opts.title).setDescription(opts.description).setVersion('1').addBearerAuth().build(),
  );
  SwaggerModule.setup('docs', app, doc, { jsonDocumentUrl: 'docs/json' });

  const bind = self.bind ?? self.host;
  if (self.tcp) {
    // Not inheritAppConfig: the microservice would share the HTTP app's global enhancers. TCP
    // controllers get their error filter and context interceptor from @RpcController() instead.
    app.connectMicroservice<MicroserviceOptions>(
      { transport: Transport.TCP, options: { host: bind, port: self.tcp } },
      { inheritAppConfig: false },
    );
  }
  await app.init();
  await app.startAllMicroservices();
  for (const ms of app.getMicroservices()) {
    // small request/reply messages: no Nagle delay on accepted sockets either
    (ms.unwrap() as Server).on('connection', (socket: Socket) => socket.setNoDelay(true));
  }
  await app.listen({ port: self.http ?? 0, host: bind });
  logger.info({ http: self.http, tcp: self.tcp }, `${self.app}#${self.id} listening`);

  // The launcher gives each instance an IPC channel: when the launcher dies, its instances follow.
  if (process.send) process.on('disconnect', () => void app.close().finally(() => process.exit(0)));
  return app;
}
