import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A local Redis Cluster (3 masters, 3 replicas) from the `redis-server` binary: what `npm start --
 * --redis` and the tests use (never the machine's own Redis on 6379). Each node is a separate
 * process that can be killed and restarted with real signals.
 */
export class RedisClusterRunner {
  private readonly procs = new Map<number, ChildProcess>();

  constructor(readonly ports: number[], readonly dir: string, private readonly nodeTimeoutMs = 1000) {
    if (ports.length !== 6) throw new Error('a Redis Cluster here has 6 nodes (3 masters, 3 replicas)');
  }

  get seeds(): string[] {
    return this.ports.map((p) => `127.0.0.1:${p}`);
  }

  async start(): Promise<void> {
    for (const p of this.ports) this.spawn(p);
    await Promise.all(this.ports.map((p) => this.waitPing(p)));
    // a data directory from an earlier run keeps its cluster (nodes.conf): create it only once
    const info = await this.cli(this.ports[0], 'cluster', 'info');
    if (!info.includes('cluster_known_nodes:6')) {
      await run('redis-cli', ['--cluster', 'create', ...this.seeds, '--cluster-replicas', '1', '--cluster-yes']);
    }
    await this.waitOk();
  }

  /** Waits until every running node reports cluster_state:ok. */
  async waitOk(timeoutMs = 30000): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const states = await Promise.all([...this.procs.keys()].map((p) => this.cli(p, 'cluster', 'info').catch(() => '')));
      if (states.every((s) => s.includes('cluster_state:ok'))) return;
      if (Date.now() > end) throw new Error('the Redis Cluster did not reach cluster_state:ok');
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** The ports of the current masters (from CLUSTER NODES). */
  async masters(): Promise<number[]> {
    const live = [...this.procs.keys()][0];
    const nodes = await this.cli(live, 'cluster', 'nodes');
    return nodes.split('\n').filter((l) => l.includes('master') && !l.includes('fail')).map((l) => Number(l.split(' ')[1].split(':')[1].split('@')[0]));
  }

  async kill(port: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const p = this.procs.get(port);
    if (!p) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill(signal);
    await exited;
    this.procs.delete(port);
  }

  async restart(port: number): Promise<void> {
    this.spawn(port);
    await this.waitPing(port);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.procs.keys()].map((p) => this.kill(p, 'SIGTERM')));
  }

  cli(port: number, ...args: string[]): Promise<string> {
    return run('redis-cli', ['-p', String(port), ...args], { timeout: 3000 }).then((r) => r.stdout);
  }

  private spawn(port: number): void {
    const dir = join(this.dir, String(port));
    mkdirSync(dir, { recursive: true });
    const log = openSync(join(dir, 'redis.log'), 'a');
    const child = spawn('redis-server', [
      '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf'),
      '--cluster-node-timeout', String(this.nodeTimeoutMs), '--appendonly', 'no', '--save', '', '--dir', dir, '--protected-mode', 'no',
    ], { stdio: ['ignore', log, log] });
    closeSync(log);
    this.procs.set(port, child);
    child.once('exit', () => this.procs.get(port) === child && this.procs.delete(port));
  }

  private async waitPing(port: number): Promise<void> {
    for (let i = 0; i < 100; i++) {
      if ((await this.cli(port, 'ping').catch(() => '')).includes('PONG')) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`redis-server on ${port} did not start`);
  }
}
