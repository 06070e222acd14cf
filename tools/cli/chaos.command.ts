import Table from 'cli-table3';
import { resolve } from 'node:path';
import { readAdminToken } from '@app/cluster/config';
import { APPS, type AppName } from '@app/cluster/topology';
import { CHAOS_ACTIONS, readLauncherInfo, type ChaosAction, type InstanceState, type LauncherInfo } from '../launcher/control';
import { TOYS, runLoad, type Placed } from '../load/load-client';
import { firstGatewayUrl } from './status.command';

export interface ChaosOptions {
  dataDir: string;
}

/** The control API of the launcher that runs the cluster in a data directory. */
class Control {
  readonly info: LauncherInfo;
  readonly token: string;

  constructor(dataDir: string) {
    const dir = resolve(dataDir);
    this.info = readLauncherInfo(dir);
    const token = readAdminToken(dir, process.env.BAZAAR_ADMIN_TOKEN);
    if (!token) throw new Error(`no admin token: set BAZAAR_ADMIN_TOKEN or keep it in ${dir}/admin-token`);
    this.token = token;
  }

  async call<T>(method: 'GET' | 'POST', path: string): Promise<T> {
    const res = await fetch(`${this.info.control}${path}`, {
      method, headers: { authorization: `Bearer ${this.token}` }, signal: AbortSignal.timeout(120000),
    });
    const body = (await res.json()) as T & { message?: string };
    if (!res.ok) throw new Error(body.message ?? `control API answered ${res.status}`);
    return body;
  }

  instances(): Promise<InstanceState[]> {
    return this.call<InstanceState[]>('GET', '/instances');
  }

  act(action: ChaosAction, app: AppName, id: number): Promise<{ ms: number; instance: InstanceState }> {
    return this.call('POST', `/instances/${app}/${id}/${action}`);
  }

  gatewayUrl(): string {
    const url = firstGatewayUrl(this.info.topologyFile);
    if (!url) throw new Error(`no gateway in ${this.info.topologyFile}`);
    return url;
  }
}

const WHAT: Record<ChaosAction, string> = {
  kill: 'killed (SIGKILL)', pause: 'paused (SIGSTOP)', resume: 'resumed (SIGCONT)', restart: 'restarted and ready',
};

/** `bazaar chaos kill|pause|resume|restart <app> <id>` */
export async function chaosActionCommand(action: string, app: string, rawId: string, opts: ChaosOptions): Promise<void> {
  if (!CHAOS_ACTIONS.includes(action as ChaosAction)) throw new Error(`unknown action ${action}: one of ${CHAOS_ACTIONS.join(', ')}, list, scenario`);
  if (!APPS.includes(app as AppName)) throw new Error(`unknown app ${app}: one of ${APPS.join(', ')}`);
  const id = Number(rawId);
  if (!Number.isSafeInteger(id) || id < 1) throw new Error(`instance id must be a positive integer, not ${rawId}`);
  const control = new Control(opts.dataDir);
  const before = (await control.instances()).find((s) => s.app === app && s.id === id);
  const r = await control.act(action as ChaosAction, app as AppName, id);
  const pid = action === 'restart' ? r.instance.pid : before?.pid;
  console.log(`${app}#${id} ${WHAT[action as ChaosAction]}${pid ? ` (pid ${pid})` : ''} in ${r.ms} ms`);
}

/** `bazaar chaos list` */
export async function chaosListCommand(opts: ChaosOptions): Promise<void> {
  const control = new Control(opts.dataDir);
  const table = new Table({ head: ['app', 'id', 'pid', 'state'] });
  for (const s of await control.instances()) table.push([s.app, s.id, s.pid ?? '-', s.state]);
  console.log(table.toString());
}

interface ScenarioOptions extends ChaosOptions {
  url?: string;
  concurrency: string;
  steadyMs: string;
  seed?: string;
  keepStock?: boolean;
}

/** Enough stock that the load cannot sell the toys out during a scenario (the restock only refills 0 to 100). */
const SCENARIO_STOCK = 100000;

/**
 * Raises every toy's stock to SCENARIO_STOCK (admin route), so that the scenario measures the failover
 * and not a sell-out: 10 toys × 100 last a few seconds of load on a fast machine. Returns how many changed.
 */
async function topUpToys(url: string, token: string): Promise<number> {
  let changed = 0;
  for (let id = 1; id <= 10000; id++) {
    const res = await fetch(`${url}/lookup/${id}`, { signal: AbortSignal.timeout(5000) });
    if (res.status === 404) break;
    const item = (await res.json()) as { title?: string; quantity?: number };
    if (!res.ok || !item.title || !TOYS.includes(item.title) || (item.quantity ?? 0) >= SCENARIO_STOCK) continue;
    const put = await fetch(`${url}/update/item/${id}`, {
      method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ quantity: SCENARIO_STOCK }), signal: AbortSignal.timeout(10000),
    });
    if (!put.ok) throw new Error(`raising the stock of ${item.title} answered ${put.status}: ${await put.text()}`);
    changed++;
  }
  return changed;
}

interface ServiceRow {
  app: string;
  id: number;
  role: string;
  term: { counter: number; electorId: number } | null;
  healthy: boolean;
  last?: number;
}

const fmtTerm = (t: ServiceRow['term']) => (t ? `${t.counter}.${t.electorId}` : '-');

/**
 * `bazaar chaos scenario failover|pause-leader`: the Toy Store load runs against a gateway; the order
 * leader is killed with SIGKILL (failover) or stopped with SIGSTOP and continued later (pause-leader);
 * the scenario prints what happened with timings, then checks every order acknowledged during the run.
 */
export async function chaosScenarioCommand(name: string, opts: ScenarioOptions): Promise<void> {
  if (name !== 'failover' && name !== 'pause-leader') throw new Error(`unknown scenario ${name}: failover or pause-leader`);
  const control = new Control(opts.dataDir);
  const url = (opts.url ?? control.gatewayUrl()).replace(/\/$/, '');
  const concurrency = Number(opts.concurrency);
  const steadyMs = Number(opts.steadyMs);
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new Error('--concurrency must be a positive integer');
  if (!Number.isFinite(steadyMs) || steadyMs < 500) throw new Error('--steady-ms must be at least 500');
  const seed = opts.seed !== undefined ? Number(opts.seed) : Math.floor(Math.random() * 2 ** 31);
  const t0 = Date.now();
  const say = (msg: string) => console.log(`  ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s  ${msg}`);
  const orders = async () => ((await getJson<{ services: ServiceRow[] }>(`${url}/cluster`)).services).filter((s) => s.app === 'order');
  const leaderOf = (rows: ServiceRow[]) => rows.find((s) => s.role === 'leader' && s.healthy);

  const first = leaderOf(await orders());
  if (!first) throw new Error(`the order service has no healthy leader now (${url}/cluster): nothing to fail over`);
  console.log(name === 'failover'
    ? `scenario failover: kill -9 the order leader under load, against ${url}`
    : `scenario pause-leader: SIGSTOP the order leader under load, SIGCONT it later, against ${url}`);

  if (!opts.keepStock) {
    const n = await topUpToys(url, control.token);
    if (n) console.log(`  (stock of ${n} toys raised to ${SCENARIO_STOCK}, so that a sell-out does not look like a stall; --keep-stock skips this)`);
  }

  let stop = false;
  const placed: Placed[] = [];
  const load = runLoad({ url, iterations: Number.MAX_SAFE_INTEGER, concurrency, p: 0.8, seed, shouldStop: () => stop, onPlaced: (p) => placed.push(p) });
  say(`load started: ${concurrency} sessions buying toys (p=0.8, seed ${seed})`);
  await sleep(steadyMs);
  const steadyRate = placed.length / (steadyMs / 1000);
  say(`steady: ${placed.length} orders acknowledged (${steadyRate.toFixed(1)}/s); order leader #${first.id}, term ${fmtTerm(first.term)}`);

  const fault: ChaosAction = name === 'failover' ? 'kill' : 'pause';
  const pid = (await control.instances()).find((s) => s.app === 'order' && s.id === first.id)?.pid;
  await control.act(fault, 'order', first.id);
  // from when the signal has taken effect (for a kill: the process is gone)
  const faultAt = Date.now();
  say(`${fault === 'kill' ? 'kill -9' : 'SIGSTOP'} order#${first.id} (pid ${pid ?? '-'}${fault === 'kill' ? ' gone' : ' stopped'})`);
  const before = placed.length;

  let next: ServiceRow | undefined;
  while (Date.now() - faultAt < 30000) {
    const l = leaderOf(await orders().catch(() => []));
    if (l && l.id !== first.id) {
      next = l;
      break;
    }
    await sleep(50);
  }
  const electedMs = next ? Date.now() - faultAt : null;
  if (next) say(`order#${next.id} is leader (term ${fmtTerm(next.term)}), ${electedMs} ms after the fault`);
  else say('no new order leader within 30 s');

  const resumedAt = await until(() => placed.find((p) => p.at > faultAt + 1)?.at, 30000);
  const firstAckMs = resumedAt ? resumedAt - faultAt : null;
  if (firstAckMs !== null) say(`orders flow again: first acknowledgement ${firstAckMs} ms after the fault`);
  await sleep(steadyMs);
  stop = true;
  const afterAcks = placed.filter((p) => p.at > faultAt).length;
  say(`load stops: ${afterAcks} orders acknowledged since the fault`);

  let backMs: number | null = null;
  let backState = '';
  const backAt = Date.now();
  if (fault === 'kill') {
    await control.act('restart', 'order', first.id);
    say(`order#${first.id} restarted and ready (${Date.now() - backAt} ms)`);
  } else {
    await control.act('resume', 'order', first.id);
    say(`SIGCONT order#${first.id}`);
  }
  const report = await load;
  // the one that came back catches up with the leader's log and serves as a follower
  const back = await until(async () => {
    const rows = await orders().catch(() => []);
    const me = rows.find((s) => s.id === first.id);
    const lead = leaderOf(rows);
    return me && lead && me.healthy && me.role === 'follower' && me.last !== undefined && me.last === lead.last ? { me, lead } : undefined;
  }, 30000);
  if (back) {
    backMs = Date.now() - backAt;
    backState = `follower at log position ${back.me.last}, like leader #${back.lead.id}`;
    say(`order#${first.id} caught up: ${backState} (${backMs} ms after the ${fault === 'kill' ? 'restart' : 'SIGCONT'})`);
  } else {
    say(`order#${first.id} did not catch up within 30 s`);
  }

  const numbers = report.placed.map((p) => p.number);
  const duplicates = numbers.length - new Set(numbers).size;
  // the first gap is the failover's own stall: from the last acknowledgement before the fault to the first after it
  const gaps = gapsFrom(report.placed.map((p) => p.at).sort((a, b) => a - b), faultAt);
  const stall = gaps.length ? gaps[0] : null;
  const gap = gaps.reduce((a, b) => Math.max(a, b), 0);
  const failed = Object.entries(report.failures).map(([k, n]) => `${k}: ${n}`).join(', ') || 'none';
  const ok = next !== undefined && firstAckMs !== null && back !== undefined && report.mismatches.length === 0 && duplicates === 0 && Object.keys(report.failures).length === 0;
  console.log('\nresult');
  console.log(`  recovery: new leader ${electedMs === null ? 'never' : `after ${electedMs} ms`}; orders stalled ${stall ?? '-'} ms (last acknowledgement before the fault to the first after it); old leader back as ${back ? 'follower' : '?'} after ${backMs ?? '-'} ms`);
  if (stall !== null && gap > stall) {
    console.log(`  later gaps: longest ${gap} ms between acknowledgements after the fault${report.outOfStock ? ' (toys sold out: sessions skip a sold-out toy until the restock)' : ''}`);
  }
  console.log(`  orders: ${report.placed.length} acknowledged (${before} before the fault, ${report.placed.length - before} after), ${report.retries} retried through the fault, failures: ${failed}; ${report.outOfStock} found their toy sold out`);
  console.log(`  checks: every acknowledged order read back unchanged: ${report.mismatches.length === 0 ? `yes (${report.placed.length})` : `NO: ${report.mismatches.slice(0, 5).join('; ')}`}; order numbers unique: ${duplicates === 0 ? 'yes' : `NO (${duplicates} duplicates)`}`);
  console.log(`  verdict: ${ok ? 'PASS' : 'FAIL'}`);
  if (!ok) process.exitCode = 1;
}

/** Times between consecutive acknowledgements, from the last one at or before `at` on (none if there is none). */
function gapsFrom(sorted: number[], at: number): number[] {
  let i = sorted.length - 1;
  while (i >= 0 && sorted[i] > at) i--;
  if (i < 0) return [];
  return sorted.slice(i + 1).map((t, k) => t - sorted[i + k]);
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return (await res.json()) as T;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(fn: () => T | undefined | Promise<T | undefined>, timeoutMs: number): Promise<T | undefined> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const v = await fn();
    if (v !== undefined) return v;
    await sleep(50);
  }
  return undefined;
}
