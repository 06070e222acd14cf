import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, closeSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { APPS, httpUrl, loadTopology, type AppName, type Instance, type Topology } from '@app/cluster/topology';

export interface RunnerOptions {
  /** topology file (absolute or relative to cwd) */
  topologyFile: string;
  /** data directory of every instance */
  dataDir: string;
  /** repository root, where dist/ is (default: two levels above this file's dist location) */
  rootDir?: string;
  /** admin token given to every instance */
  adminToken: string;
  /** environment for every instance */
  env?: Record<string, string>;
  /** environment for one instance (fault points, say) */
  envFor?: (i: Instance) => Record<string, string> | undefined;
  /** extra node arguments for one instance (e.g. --cpu-prof when profiling) */
  nodeArgsFor?: (i: Instance) => string[] | undefined;
  /** called when an instance exits */
  onExit?: (i: Instance, code: number | null, signal: NodeJS.Signals | null) => void;
}

interface Running {
  instance: Instance;
  child: ChildProcess;
  exited: Promise<void>;
}

const key = (app: string, id: number) => `${app}#${id}`;

/**
 * Starts the instances of a topology as separate Node processes (no Docker) and controls them with
 * real signals: the launcher of `npm start`, of the e2e tests and of `bazaar chaos`. Each instance
 * writes JSON lines to <dataDir>/logs/<app>-<id>.log and keeps an IPC channel to the launcher, so
 * instances stop when their launcher dies.
 */
export class ClusterRunner {
  readonly topology: Topology;
  readonly topologyFile: string;
  readonly dataDir: string;
  readonly logDir: string;
  private readonly rootDir: string;
  private readonly running = new Map<string, Running>();
  private readonly paused = new Set<string>();
  private stopping = false;

  constructor(private readonly o: RunnerOptions) {
    this.topologyFile = resolve(o.topologyFile);
    this.topology = loadTopology(this.topologyFile);
    this.dataDir = resolve(o.dataDir);
    this.logDir = join(this.dataDir, 'logs');
    this.rootDir = o.rootDir ?? resolve(__dirname, '..', '..', '..');
    mkdirSync(this.logDir, { recursive: true });
  }

  /** Every instance, in start order: recovery first, gateways last. */
  instances(): Instance[] {
    return [...this.topology.instances].sort((a, b) => APPS.indexOf(a.app) - APPS.indexOf(b.app) || a.id - b.id);
  }

  instance(app: AppName, id: number): Instance {
    const i = this.topology.instances.find((x) => x.app === app && x.id === id);
    if (!i) throw new Error(`no ${app} #${id} in ${this.topologyFile}`);
    return i;
  }

  isRunning(app: AppName, id: number): boolean {
    return this.running.has(key(app, id));
  }

  /** stopped with SIGSTOP and not yet continued */
  isPaused(app: AppName, id: number): boolean {
    return this.paused.has(key(app, id));
  }

  pid(app: AppName, id: number): number | undefined {
    return this.running.get(key(app, id))?.child.pid;
  }

  mainFile(app: AppName): string {
    return join(this.rootDir, 'dist', 'apps', app, 'src', 'main.js');
  }

  async startAll(timeoutMs = 60000): Promise<void> {
    for (const i of this.instances()) this.start(i);
    await this.waitHealthy(this.instances(), timeoutMs);
  }

  start(i: Instance, extraEnv: Record<string, string> = {}): void {
    if (this.running.has(key(i.app, i.id))) throw new Error(`${key(i.app, i.id)} is already running`);
    const main = this.mainFile(i.app);
    if (!existsSync(main)) throw new Error(`${main} is missing: run npm run build`);
    const log = openSync(join(this.logDir, `${i.app}-${i.id}.log`), 'a');
    const child = spawn(process.execPath, [...(this.o.nodeArgsFor?.(i) ?? []), main], {
      cwd: this.rootDir,
      env: {
        ...process.env,
        ...this.o.env,
        ...this.o.envFor?.(i),
        ...extraEnv,
        TOPOLOGY_FILE: this.topologyFile,
        INSTANCE_ID: String(i.id),
        DATA_DIR: this.dataDir,
        BAZAAR_ADMIN_TOKEN: this.o.adminToken,
      },
      stdio: ['ignore', log, log, 'ipc'],
    });
    closeSync(log);
    const exited = new Promise<void>((done) => {
      child.once('exit', (code, signal) => {
        this.running.delete(key(i.app, i.id));
        this.paused.delete(key(i.app, i.id));
        if (!this.stopping) this.o.onExit?.(i, code, signal);
        done();
      });
    });
    this.running.set(key(i.app, i.id), { instance: i, child, exited });
  }

  /** Waits until every given instance answers 200 on /health (ready). */
  async waitHealthy(instances: Instance[] = this.instances(), timeoutMs = 60000): Promise<void> {
    const end = Date.now() + timeoutMs;
    const pending = new Set(instances.filter((i) => i.http));
    while (pending.size) {
      await Promise.all([...pending].map(async (i) => {
        if (!this.running.has(key(i.app, i.id))) throw new Error(`${key(i.app, i.id)} exited during start-up; see ${this.logDir}/${i.app}-${i.id}.log`);
        if (await this.isHealthy(i)) pending.delete(i);
      }));
      if (!pending.size) break;
      if (Date.now() > end) {
        throw new Error(`not healthy after ${timeoutMs} ms: ${[...pending].map((i) => key(i.app, i.id)).join(', ')} (logs in ${this.logDir})`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async isHealthy(i: Instance): Promise<boolean> {
    try {
      const res = await fetch(`${httpUrl(i)}/health`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      return res.ok;
    } catch {
      return false;
    }
  }

  /** Sends a signal (default SIGKILL) and, for signals that end the process, waits until it is gone. */
  async kill(app: AppName, id: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const r = this.running.get(key(app, id));
    if (!r) throw new Error(`${key(app, id)} is not running`);
    r.child.kill(signal);
    if (signal === 'SIGSTOP') this.paused.add(key(app, id));
    else if (signal === 'SIGCONT') this.paused.delete(key(app, id));
    else await r.exited;
  }

  pause(app: AppName, id: number): Promise<void> {
    return this.kill(app, id, 'SIGSTOP');
  }

  resume(app: AppName, id: number): Promise<void> {
    return this.kill(app, id, 'SIGCONT');
  }

  /** Starts a stopped instance again and waits until it is ready. */
  async restart(app: AppName, id: number, extraEnv: Record<string, string> = {}, timeoutMs = 60000): Promise<void> {
    const i = this.instance(app, id);
    this.start(i, extraEnv);
    await this.waitHealthy([i], timeoutMs);
  }

  /** SIGTERM to every instance, SIGKILL to those still running after `graceMs`. */
  async stopAll(graceMs = 5000): Promise<void> {
    this.stopping = true;
    const all = [...this.running.values()];
    for (const r of all) {
      r.child.kill('SIGCONT');
      r.child.kill('SIGTERM');
    }
    const timer = setTimeout(() => all.forEach((r) => r.child.kill('SIGKILL')), graceMs);
    await Promise.all(all.map((r) => r.exited));
    clearTimeout(timer);
    this.stopping = false;
  }
}

/**
 * The admin token: BAZAAR_ADMIN_TOKEN when set; else the one kept in <dataDir>/admin-token; else a
 * new random one, written there (mode 0600). `generated` tells the caller to print it once.
 */
export function ensureAdminToken(dataDir: string, fromEnv = process.env.BAZAAR_ADMIN_TOKEN): { token: string; generated: boolean; file: string } {
  const file = join(resolve(dataDir), 'admin-token');
  if (fromEnv) return { token: fromEnv, generated: false, file };
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    if (token) return { token, generated: false, file };
  }
  mkdirSync(resolve(dataDir), { recursive: true });
  const token = randomBytes(24).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return { token, generated: true, file };
}
