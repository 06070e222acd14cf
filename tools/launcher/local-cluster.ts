import { ClusterRunner } from './cluster-runner';
import type { AppName, Instance, Topology } from '@app/cluster/topology';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePorts } from './ports';
import { RedisClusterRunner } from './redis-cluster';
import { LauncherControl } from './control';

export const ADMIN_TOKEN = 'local-admin-token';
export const ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` };
/** the repository root, from tools/launcher (sources under jest) or dist/tools/launcher (compiled) */
const ROOT = [resolve(__dirname, '..', '..'), resolve(__dirname, '..', '..', '..')].find((d) => existsSync(join(d, 'package.json')))!;

export interface ClusterSpec {
  gateway?: number;
  catalog?: number;
  recovery?: number;
  order?: number;
  'kv-node'?: number;
  'cart-gateway'?: number;
  /** environment for every instance */
  env?: Record<string, string>;
  envFor?: (i: Instance) => Record<string, string> | undefined;
  /** temporary directory prefix */
  prefix?: string;
  /** called with the topology before any process starts (to point fault proxies at its ports) */
  onTopology?: (t: Topology) => void | Promise<void>;
  nodeArgsFor?: (i: Instance) => string[] | undefined;
  /** also start a local Redis Cluster (6 redis-server processes) and give the gateways its address */
  redis?: boolean;
  /** also open the launcher's control API (what `bazaar chaos` talks to), as `bazaar up` does */
  control?: boolean;
}

export interface HttpReply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/**
 * A whole cluster on free ports in a temporary directory, started as separate processes by the
 * launcher `npm start` uses: what the e2e suites and the benchmark run against. Stores can be read
 * by opening the replicas' SQLite files directly.
 */
export class LocalCluster {
  redis: RedisClusterRunner | null = null;
  control: LauncherControl | null = null;

  private constructor(readonly runner: ClusterRunner, readonly dir: string, readonly topology: Topology) {}

  static async start(spec: ClusterSpec): Promise<LocalCluster> {
    const counts: [AppName, number][] = ([
      ['recovery', spec.recovery ?? 1], ['catalog', spec.catalog ?? 2], ['order', spec.order ?? 0],
      ['kv-node', spec['kv-node'] ?? 0], ['gateway', spec.gateway ?? 1], ['cart-gateway', spec['cart-gateway'] ?? 0],
    ] as [AppName, number][]).filter(([, n]) => n > 0);
    const total = counts.reduce((s, [, n]) => s + n, 0);
    const ports = await freePorts(total * 4);
    const instances: Instance[] = [];
    for (const [app, n] of counts) {
      for (let id = 1; id <= n; id++) {
        const i: Instance = { app, id, host: '127.0.0.1', http: ports.pop()!, tcp: ports.pop()! };
        if (app === 'kv-node') Object.assign(i, { udp: ports.pop()!, ftp: ports.pop()! });
        instances.push(i);
      }
    }
    const dir = mkdtempSync(join(tmpdir(), spec.prefix ?? 'bazaar-e2e-'));
    const topology: Topology = { instances };
    let redis: RedisClusterRunner | null = null;
    if (spec.redis) {
      redis = new RedisClusterRunner(await freePorts(6), join(dir, 'redis'));
      await redis.start();
      topology.redis = redis.seeds;
    }
    writeFileSync(join(dir, 'topology.json'), JSON.stringify(topology, null, 2));
    await spec.onTopology?.(topology);
    const runner = new ClusterRunner({
      topologyFile: join(dir, 'topology.json'),
      dataDir: join(dir, 'data'),
      rootDir: ROOT,
      adminToken: ADMIN_TOKEN,
      // a test cluster starts 10+ processes at once on a small shared machine: give the first election
      // time to see every replica, so that the highest id leads as the tests expect
      env: { LOG_LEVEL: 'info', RESTOCK_INTERVAL_MS: '0', ELECTION_GRACE_MS: '20000', ...spec.env },
      envFor: spec.envFor,
      nodeArgsFor: spec.nodeArgsFor,
    });
    const cluster = new LocalCluster(runner, dir, topology);
    cluster.redis = redis;
    try {
      if (spec.control) {
        // as `bazaar up` leaves it: the token beside launcher.json, so `bazaar chaos -d <dataDir>` works
        writeFileSync(join(runner.dataDir, 'admin-token'), `${ADMIN_TOKEN}\n`, { mode: 0o600 });
        cluster.control = new LauncherControl(runner, ADMIN_TOKEN);
        await cluster.control.listen();
      }
      await runner.startAll(60000);
    } catch (err) {
      await cluster.stop(true);
      throw err;
    }
    return cluster;
  }

  url(app: AppName = 'gateway', id = 1): string {
    const i = this.runner.instance(app, id);
    return `http://${i.host}:${i.http}`;
  }

  instance(app: AppName, id: number): Instance {
    return this.runner.instance(app, id);
  }

  async request<T = any>(method: string, path: string, opts: { body?: unknown; raw?: string; headers?: Record<string, string>; app?: AppName; id?: number } = {}): Promise<HttpReply<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    let body: string | undefined = opts.raw;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${this.url(opts.app ?? 'gateway', opts.id ?? 1)}${path}`, { method, headers, body, signal: AbortSignal.timeout(15000) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  get<T = any>(path: string, app: AppName = 'gateway', id = 1) {
    return this.request<T>('GET', path, { app, id });
  }

  /** Opens an instance's SQLite file read-only (the store itself, not its API). */
  db(app: AppName, id: number): Database.Database {
    const file = join(this.runner.dataDir, `${app}-${id}.sqlite`);
    if (!existsSync(file)) throw new Error(`${file} does not exist`);
    return new Database(file, { readonly: true, fileMustExist: true });
  }

  /** Runs fn on a fresh read-only connection to an instance's database and closes it. */
  query<T>(app: AppName, id: number, fn: (db: Database.Database) => T): T {
    const db = this.db(app, id);
    try {
      return fn(db);
    } finally {
      db.close();
    }
  }

  kill(app: AppName, id: number, signal: NodeJS.Signals = 'SIGKILL') {
    return this.runner.kill(app, id, signal);
  }

  restart(app: AppName, id: number, env: Record<string, string> = {}) {
    return this.runner.restart(app, id, env);
  }

  log(app: AppName, id: number): string {
    const f = join(this.runner.logDir, `${app}-${id}.log`);
    return existsSync(f) ? readFileSync(f, 'utf8') : '';
  }

  async stop(keep = false): Promise<void> {
    await this.control?.close();
    await this.runner.stopAll();
    await this.redis?.stop();
    if (!keep && !process.env.KEEP_E2E_DATA) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Polls fn until it returns a truthy value or the timeout passes (then the last value is returned). */
export async function eventually<T>(fn: () => Promise<T> | T, timeoutMs = 10000, intervalMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: T;
  let lastErr: unknown;
  for (;;) {
    try {
      last = await fn();
      lastErr = undefined;
      if (last) return last;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > end) {
      if (lastErr) throw lastErr;
      return last!;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
