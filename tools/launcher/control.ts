import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { APPS, type AppName } from '@app/cluster/topology';
import type { ClusterRunner } from './cluster-runner';

/** What a running launcher leaves in its data directory so that `bazaar chaos` can find it. */
export interface LauncherInfo {
  /** the launcher's own pid */
  pid: number;
  /** base URL of its control API (127.0.0.1 only) */
  control: string;
  topologyFile: string;
  dataDir: string;
  startedAt: string;
}

export const LAUNCHER_FILE = 'launcher.json';

export interface InstanceState {
  app: AppName;
  id: number;
  pid: number | null;
  state: 'running' | 'paused' | 'stopped';
}

export type ChaosAction = 'kill' | 'pause' | 'resume' | 'restart';
export const CHAOS_ACTIONS: readonly ChaosAction[] = ['kill', 'pause', 'resume', 'restart'];

/**
 * The launcher's control API: the one process that owns the instances (it spawned them, holds their
 * IPC channels and restarts them with the same environment) sends the real signals on behalf of
 * `bazaar chaos`. It listens on 127.0.0.1 on a free port, asks for the admin token, and writes
 * <dataDir>/launcher.json (mode 0600) while it runs.
 *
 *   GET  /instances                     [{app, id, pid, state}]
 *   POST /instances/:app/:id/:action    action: kill (SIGKILL) | pause (SIGSTOP) | resume (SIGCONT) | restart
 */
export class LauncherControl {
  private server: Server | null = null;
  private file: string;

  constructor(private readonly runner: ClusterRunner, private readonly token: string) {
    this.file = join(runner.dataDir, LAUNCHER_FILE);
  }

  async listen(port = 0): Promise<LauncherInfo> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(port, '127.0.0.1', () => ok());
    });
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('control API: no address');
    const info: LauncherInfo = {
      pid: process.pid,
      control: `http://127.0.0.1:${address.port}`,
      topologyFile: this.runner.topologyFile,
      dataDir: this.runner.dataDir,
      startedAt: new Date().toISOString(),
    };
    writeFileSync(this.file, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
    return info;
  }

  async close(): Promise<void> {
    if (existsSync(this.file)) {
      try {
        const info = JSON.parse(readFileSync(this.file, 'utf8')) as LauncherInfo;
        if (info.pid === process.pid) rmSync(this.file, { force: true });
      } catch {
        /* not ours or unreadable: leave it */
      }
    }
    const server = this.server;
    this.server = null;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    }
  }

  states(): InstanceState[] {
    return this.runner.instances().map((i) => ({
      app: i.app,
      id: i.id,
      pid: this.runner.pid(i.app, i.id) ?? null,
      state: this.runner.isPaused(i.app, i.id) ? 'paused' : this.runner.isRunning(i.app, i.id) ? 'running' : 'stopped',
    }));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    try {
      if (!this.authorised(req.headers.authorization)) return send(401, { message: 'the admin token is required (Authorization: Bearer <token>)' });
      const url = new URL(req.url ?? '/', 'http://control');
      const parts = url.pathname.split('/').filter(Boolean);
      if (req.method === 'GET' && parts.length === 1 && parts[0] === 'instances') return send(200, this.states());
      if (req.method !== 'POST' || parts.length !== 4 || parts[0] !== 'instances') return send(404, { message: `no route ${req.method} ${url.pathname}` });
      const [, app, rawId, action] = parts;
      if (!APPS.includes(app as AppName)) return send(400, { message: `unknown app ${app}: one of ${APPS.join(', ')}` });
      const id = Number(rawId);
      if (!Number.isSafeInteger(id) || !this.runner.instances().some((i) => i.app === app && i.id === id)) {
        return send(404, { message: `no ${app} #${rawId} in the topology` });
      }
      if (!CHAOS_ACTIONS.includes(action as ChaosAction)) return send(400, { message: `unknown action ${action}: one of ${CHAOS_ACTIONS.join(', ')}` });
      const conflict = this.conflict(app as AppName, id, action as ChaosAction);
      if (conflict) return send(409, { message: conflict });
      const started = Date.now();
      await this.apply(app as AppName, id, action as ChaosAction);
      return send(200, { app, id, action, ms: Date.now() - started, instance: this.states().find((s) => s.app === app && s.id === id) });
    } catch (err) {
      return send(500, { message: (err as Error).message });
    }
  }

  private conflict(app: AppName, id: number, action: ChaosAction): string | null {
    const running = this.runner.isRunning(app, id);
    const paused = this.runner.isPaused(app, id);
    if (action === 'restart') return running ? `${app}#${id} is running: kill it first` : null;
    if (!running) return `${app}#${id} is not running (restart it first)`;
    if (action === 'pause' && paused) return `${app}#${id} is already paused`;
    if (action === 'resume' && !paused) return `${app}#${id} is not paused`;
    return null;
  }

  private async apply(app: AppName, id: number, action: ChaosAction): Promise<void> {
    if (action === 'kill') await this.runner.kill(app, id, 'SIGKILL');
    else if (action === 'pause') await this.runner.pause(app, id);
    else if (action === 'resume') await this.runner.resume(app, id);
    else await this.runner.restart(app, id);
  }

  private authorised(header: string | undefined): boolean {
    const given = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7) : '');
    const want = Buffer.from(this.token);
    return given.length === want.length && timingSafeEqual(given, want);
  }
}

/** Reads the launcher.json a running launcher left in a data directory, or explains why there is none. */
export function readLauncherInfo(dataDir: string): LauncherInfo {
  const file = join(dataDir, LAUNCHER_FILE);
  if (!existsSync(file)) throw new Error(`no launcher runs on ${dataDir} (${file} is missing): start the cluster with npm start or bazaar up`);
  const info = JSON.parse(readFileSync(file, 'utf8')) as LauncherInfo;
  try {
    process.kill(info.pid, 0);
  } catch {
    throw new Error(`the launcher that wrote ${file} (pid ${info.pid}) is gone: start the cluster with npm start or bazaar up`);
  }
  return info;
}
