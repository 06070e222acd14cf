import Table from 'cli-table3';
import { existsSync } from 'node:fs';
import { httpUrl, loadTopology } from '@app/cluster/topology';

export interface StatusOptions {
  url?: string;
  topology: string;
  events: string;
  json?: boolean;
}

interface Row {
  app: string;
  id: number;
  role: string;
  term: { counter: number; electorId: number } | null;
  healthy: boolean;
  http: string | null;
  tcp: string | null;
  last?: number;
  reason?: string;
}

interface State {
  services: Record<string, Row[]>;
  events: { at: string; source: string; kind: string; message: string }[];
  figures: { requestsPerSecond: number; p99Ms: number | null; cacheHitRatio: number | null; replicationLag: number; hintsPending: number | null }[];
}

/** Which role the services with a leader need one of, healthy. */
const LEADS: Record<string, string> = { catalog: 'primary', order: 'leader', 'kv-node': 'leader' };

/**
 * `bazaar status`: what the dashboard shows, as tables — every instance with its role, term, health
 * and address; the latest figures; the recent events. Exit code 1 when an instance is down or a
 * replicated service has no healthy leader, 2 when the gateway cannot be reached.
 */
export async function statusCommand(opts: StatusOptions): Promise<void> {
  const url = (opts.url ?? defaultGateway(opts.topology)).replace(/\/$/, '');
  let state: State;
  try {
    const res = await fetch(`${url}/dashboard/state`, { signal: AbortSignal.timeout(3000) });
    if (!res.ok) throw new Error(`answered ${res.status}`);
    state = (await res.json()) as State;
  } catch (err) {
    console.error(`bazaar status: the gateway at ${url} cannot be reached (${(err as Error).message})`);
    process.exitCode = 2;
    return;
  }
  const problems = assess(state.services);
  if (opts.json) {
    console.log(JSON.stringify({ gateway: url, healthy: problems.length === 0, problems, ...state }, null, 2));
    if (problems.length) process.exitCode = 1;
    return;
  }

  const table = new Table({ head: ['service', 'id', 'role', 'term', 'health', 'log', 'address'], style: { compact: true } });
  for (const [app, rows] of Object.entries(state.services)) {
    for (const r of rows) {
      table.push([app, r.id, r.role, r.term ? `${r.term.counter}${r.term.electorId ? `.${r.term.electorId}` : ''}` : '-', r.healthy ? 'up' : `DOWN${r.reason ? ` (${r.reason})` : ''}`, r.last ?? '-', r.http ?? r.tcp ?? '-']);
    }
  }
  console.log(`Bazaar cluster seen by the gateway at ${url}`);
  console.log(table.toString());
  const f = state.figures.at(-1);
  if (f) {
    console.log(`requests/s ${f.requestsPerSecond} · p99 ${f.p99Ms === null ? '-' : `${f.p99Ms} ms`} · cache hits ${f.cacheHitRatio === null ? '-' : `${Math.round(f.cacheHitRatio * 100)} %`} · replication lag ${f.replicationLag} · hints pending ${f.hintsPending ?? '-'}`);
  }
  const n = Number(opts.events);
  if (n > 0 && state.events.length) {
    console.log(`\nrecent events (${Math.min(n, state.events.length)} of ${state.events.length}):`);
    for (const e of state.events.slice(-n)) console.log(`  ${e.at.slice(11, 19)}  ${e.kind.padEnd(18)} ${e.message}  (${e.source})`);
  }
  if (problems.length) {
    console.log(`\nUNHEALTHY:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    process.exitCode = 1;
  } else {
    console.log('\nall healthy');
  }
}

export function assess(services: Record<string, Row[]>): string[] {
  const problems: string[] = [];
  for (const [app, rows] of Object.entries(services)) {
    for (const r of rows) if (!r.healthy) problems.push(`${app}#${r.id} is down${r.reason ? ` (${r.reason})` : ''}`);
    const role = LEADS[app];
    if (role && !rows.some((r) => r.healthy && r.role === role)) problems.push(`${app} has no healthy ${role}`);
  }
  return problems;
}

function defaultGateway(topologyFile: string): string {
  return (existsSync(topologyFile) && firstGatewayUrl(topologyFile)) || 'http://127.0.0.1:3000';
}

/** The URL of the first gateway with an HTTP port in a topology file, or null. */
export function firstGatewayUrl(topologyFile: string): string | null {
  const gw = loadTopology(topologyFile).instances.find((i) => i.app === 'gateway' && i.http);
  return gw ? httpUrl(gw) : null;
}
