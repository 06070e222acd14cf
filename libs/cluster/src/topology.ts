import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** The apps a topology may list, in the order the launcher starts them. */
export const APPS = ['recovery', 'catalog', 'order', 'kv-node', 'gateway', 'cart-gateway'] as const;
export type AppName = (typeof APPS)[number];

export interface Instance {
  app: AppName;
  id: number;
  /** address other instances and clients use */
  host: string;
  /** address the instance binds to (default: host); 0.0.0.0 in containers */
  bind?: string;
  http?: number;
  tcp?: number;
  udp?: number;
  ftp?: number;
}

export interface Topology {
  instances: Instance[];
  /** optional Redis Cluster seed nodes, "host:port" */
  redis?: string[];
}

export const DEFAULT_TOPOLOGY_FILE = 'topology.json';

export function loadTopology(file: string): Topology {
  const path = resolve(file);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read topology file ${path}: ${(err as Error).message}`);
  }
  return validateTopology(raw, path);
}

/** Checks the shape and that every (app, id) and every host:port is used once. */
export function validateTopology(raw: unknown, source = 'topology'): Topology {
  const errors: string[] = [];
  const t = raw as Topology;
  if (!t || typeof t !== 'object' || !Array.isArray(t.instances)) {
    throw new Error(`${source}: expected {"instances": [...]}`);
  }
  const ids = new Set<string>();
  const ports = new Set<string>();
  t.instances.forEach((i, n) => {
    const where = `${source}: instances[${n}]`;
    if (!APPS.includes(i.app)) errors.push(`${where}: unknown app ${JSON.stringify(i.app)}`);
    if (!Number.isSafeInteger(i.id) || i.id < 1) errors.push(`${where}: id must be a positive integer`);
    if (typeof i.host !== 'string' || !i.host) errors.push(`${where}: host is required`);
    const key = `${i.app}#${i.id}`;
    if (ids.has(key)) errors.push(`${where}: duplicate ${key}`);
    ids.add(key);
    for (const kind of ['http', 'tcp', 'udp', 'ftp'] as const) {
      const port = i[kind];
      if (port === undefined) continue;
      if (!Number.isSafeInteger(port) || port < 1 || port > 65535) errors.push(`${where}: bad ${kind} port`);
      const pk = `${i.host}:${port}/${kind === 'udp' ? 'udp' : 'tcp'}`;
      if (ports.has(pk)) errors.push(`${where}: port ${pk} used twice`);
      ports.add(pk);
    }
  });
  if (t.redis !== undefined && (!Array.isArray(t.redis) || t.redis.some((s) => !/^[^:]+:\d+$/.test(s)))) {
    errors.push(`${source}: redis must be a list of "host:port"`);
  }
  if (errors.length) throw new Error(errors.join('\n'));
  return t;
}

export function instancesOf(topology: Topology, app: AppName): Instance[] {
  return topology.instances.filter((i) => i.app === app).sort((a, b) => a.id - b.id);
}

export function findInstance(topology: Topology, app: AppName, id: number): Instance {
  const found = topology.instances.find((i) => i.app === app && i.id === id);
  if (!found) throw new Error(`topology has no ${app} with id ${id}`);
  return found;
}

export function httpUrl(i: Instance): string {
  return `http://${i.host}:${i.http}`;
}
