import type { Logger } from 'pino';

/**
 * Fault points for failure tests, switched on by the FAULTS environment variable (comma-separated
 * names). A crash fault kills the process with SIGKILL at that exact point, as a power cut would.
 */
export class Faults {
  constructor(private readonly enabled: Set<string>, private readonly logger?: Logger) {}

  has(name: string): boolean {
    return this.enabled.has(name);
  }

  /** Dies here (SIGKILL, no cleanup) when `name` is switched on. */
  crashPoint(name: string): void {
    if (!this.enabled.has(name)) return;
    this.logger?.warn({ fault: name }, `fault point ${name}: killing the process`);
    this.logger?.flush?.();
    process.kill(process.pid, 'SIGKILL');
  }
}
