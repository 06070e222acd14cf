import type { LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';
import { currentRequestId } from './request-context';

/**
 * JSON lines on stdout. Asynchronous (sonic-boom) so that logging stays off the request's critical
 * path; the launcher sends each instance's stdout to data/logs/<app>-<id>.log.
 */
export function createLogger(app: string, id: number, level = 'info'): Logger {
  const dest = pino.destination({ dest: 1, sync: false });
  // what is still buffered when the process ends normally is written out (kill -9 loses it, by nature)
  process.once('exit', () => {
    try {
      dest.flushSync();
    } catch {
      /* nothing to flush */
    }
  });
  return pino(
    {
      level,
      base: { app, id },
      timestamp: pino.stdTimeFunctions.isoTime,
      mixin() {
        const rid = currentRequestId();
        return rid ? { rid } : {};
      },
    },
    dest,
  );
}

/** Nest's logger interface on top of pino, so framework messages are JSON lines too. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, message instanceof Error ? message.message : String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}
