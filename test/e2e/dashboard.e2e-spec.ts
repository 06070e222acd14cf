/// <reference lib="dom" />
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { assess } from '../../tools/cli/status.command';
import { ADMIN_TOKEN, TestCluster, eventually } from './support/cluster';
import { copyAt, orderStore } from './support/stores';


const ROOT = resolve(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'tools', 'cli', 'main.js');
const ARTIFACTS = join(ROOT, 'test-artifacts');
/** Debian's chromium package (.ci/run installs it when missing); CHROMIUM_PATH points elsewhere. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const run = promisify(execFile);

/** Runs the bazaar CLI (the built one, as a user would) and returns its exit code and output. */
async function bazaar(...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, BAZAAR_ADMIN_TOKEN: '', FORCE_COLOR: '0' }, timeout: 110000 });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

async function orderLeader(c: TestCluster): Promise<number> {
  return eventually(async () => {
    const r = await c.get('/cluster');
    return r.body.services.find((s: any) => s.app === 'order' && s.role === 'leader' && s.healthy)?.id ?? 0;
  }, 15000);
}

/** The roles the page shows now, by "app-id". */
async function pageRoles(page: Page): Promise<Record<string, { role: string; healthy: string }>> {
  return page.$$eval('[data-testid^="instance-"]', (rows) => Object.fromEntries(rows.map((r) => [
    r.getAttribute('data-testid')!.slice('instance-'.length), { role: r.getAttribute('data-role') ?? '', healthy: r.getAttribute('data-healthy') ?? '' },
  ])));
}

describe('the live dashboard in headless Chromium, bazaar status and bazaar chaos (real processes)', () => {
  let c: TestCluster;
  let browser: Browser;
  let page: Page;
  let dataDir: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does), or set CHROMIUM_PATH`);
    c = await TestCluster.start({ order: 3, 'kv-node': 4, 'cart-gateway': 1, control: true, prefix: 'bazaar-dashboard-' });
    dataDir = c.runner.dataDir;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`${c.url()}/dashboard`);
  });

  afterAll(async () => {
    await browser?.close();
    await c?.stop();
  });

  it('lists every instance of the topology, grouped by service, with the roles the gateway knows; the stream is live', async () => {
    await page.waitForSelector('#conn:text("live")', { timeout: 10000 });
    const leader = await orderLeader(c);
    await page.waitForSelector(`[data-testid="instance-order-${leader}"][data-role="leader"]`, { timeout: 10000 });
    // every instance shows healthy once the page has settled (one health probe may time out on a busy
    // 2-core machine while Chromium starts; the page follows the next one within a second)
    let roles = await pageRoles(page);
    const unhealthy = () => Object.entries(roles).filter(([, r]) => r.healthy !== 'true').map(([k]) => k);
    await eventually(async () => {
      roles = await pageRoles(page);
      return unhealthy().length === 0;
    }, 10000);
    expect(unhealthy()).toEqual([]);
    expect(Object.keys(roles).sort()).toEqual(c.topology.instances.map((i) => `${i.app}-${i.id}`).sort());
    for (const i of c.topology.instances) {
      expect(await page.locator(`[data-testid="service-${i.app}"] [data-testid="instance-${i.app}-${i.id}"]`).count()).toBe(1);
    }
    expect(['catalog-1', 'catalog-2'].map((k) => roles[k].role).sort()).toEqual(['backup', 'primary']);
    expect(['order-1', 'order-2', 'order-3'].filter((k) => roles[k].role === 'leader')).toEqual([`order-${leader}`]);
    expect(['kv-node-1', 'kv-node-2', 'kv-node-3', 'kv-node-4'].filter((k) => roles[k].role === 'leader')).toHaveLength(1);
    // the timeline already holds the elections of start-up
    expect(await page.locator('#events [data-kind="election:elected"]').count()).toBeGreaterThan(0);
  });

  it('shows the kv placement and where a cart key lives (checked against the kv-nodes\' own copies); live figures and charts follow the traffic', async () => {
    // 4 kv-nodes, 3 replicas a partition: each node holds some partitions, and each partition 3 nodes
    expect(await page.locator('#kvgrid span').count()).toBe(64);
    let highlighted = 0;
    for (const n of [1, 2, 3, 4]) {
      await page.selectOption('#kvnode', String(n));
      const held = await page.locator('#kvgrid span.h').count();
      expect(held).toBeGreaterThan(0);
      expect(held).toBeLessThan(64);
      highlighted += held;
    }
    expect(highlighted).toBe(64 * 3);

    // a real cart: the nodes the page names are the nodes that hold its copies
    const created = await fetch(`${c.url('cart-gateway', 1)}/createuser`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'Alice@example.com' }) });
    expect(created.status).toBe(201);
    const added = await fetch(`${c.url('cart-gateway', 1)}/addtocart`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'Alice@example.com', cart: { Tux: 2 } }) });
    expect(added.status).toBe(200);
    await page.fill('#cartkey', 'Alice@example.com');
    await page.click('#cartf button');
    await page.waitForSelector('#cartres:text("lives on kv-nodes")');
    const text = await page.textContent('#cartres');
    expect(text).toContain('user:alice@example.com'); // as the cart-gateways keep emails
    const nodes = /kv-nodes ([\d, ]+)/.exec(text!)![1].split(',').map((s) => Number(s.trim()));
    expect(new Set(nodes).size).toBe(3);
    let holders: number[] = [];
    await eventually(async () => {
      holders = [];
      for (const n of [1, 2, 3, 4]) if (await copyAt(c, n, 'user:alice@example.com')) holders.push(n);
      return holders.length === 3;
    }, 10000);
    expect(holders).toEqual([...nodes].sort());
    expect((await c.get('/dashboard/placement/cart')).status).toBe(400);

    // traffic through this gateway shows up in the figures and the charts (uPlot draws on canvas)
    for (let i = 0; i < 60; i++) await c.get(`/lookup/${1 + (i % 7)}`);
    await page.waitForFunction(() => Number(document.getElementById('f-rps')!.textContent) > 0, undefined, { timeout: 10000 });
    await page.waitForFunction(() => /%$/.test(document.getElementById('f-hit')!.textContent!.trim()), undefined, { timeout: 10000 });
    expect(await page.locator('#chart1 canvas').count()).toBeGreaterThan(0);

    // a write invalidates cached entries, and the timeline says so
    const put = await c.request('PUT', '/update/price/1', { body: { price: 12.5 }, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(put.status).toBe(200);
    await page.waitForSelector('#events [data-kind="cache-invalidated"]', { timeout: 10000 });
  });

  it('bazaar chaos kill of the order leader: the page shows a new leader within seconds, bazaar status turns unhealthy, restart heals it', async () => {
    const leader = await orderLeader(c);
    const pid = c.runner.pid('order', leader)!;
    const status0 = await bazaar('status', '-u', c.url());
    expect(status0).toMatchObject({ code: 0 });
    expect(status0.out).toContain('all healthy');

    const killed = await bazaar('chaos', 'kill', 'order', String(leader), '-d', dataDir);
    expect(killed).toMatchObject({ code: 0 });
    expect(killed.out).toContain(`order#${leader} killed (SIGKILL) (pid ${pid})`);
    expect(c.runner.isRunning('order', leader)).toBe(false);
    expect(() => process.kill(pid, 0)).toThrow();

    // a new leader on the page, without a reload
    await page.waitForFunction((old) => {
      const rows = [...document.querySelectorAll('[data-testid^="instance-order-"]')];
      return rows.some((r) => r.getAttribute('data-role') === 'leader' && r.getAttribute('data-testid') !== `instance-order-${old}` && r.getAttribute('data-healthy') === 'true');
    }, leader, { timeout: 10000 });
    await page.waitForSelector(`[data-testid="instance-order-${leader}"][data-healthy="false"]`, { timeout: 10000 });
    await page.waitForSelector('#events [data-kind="election:elected"]:has-text("order#")', { timeout: 10000 });
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    expect(statSync(join(ARTIFACTS, 'dashboard.png')).size).toBeGreaterThan(10000);
    const next = Number((await pageRoles(page).then((r) => Object.entries(r).find(([k, v]) => k.startsWith('order-') && v.role === 'leader')))![0].slice('order-'.length));
    expect(next).not.toBe(leader);
    expect(await orderLeader(c)).toBe(next);

    // the new leader takes orders, and they are in its store
    const o = await c.request('POST', '/orders', { body: { name: 'Tux', quantity: 1 } });
    expect(o.status).toBe(200);
    expect(orderStore(c, next).map((r) => r.number)).toContain(o.body.data.order_number);

    const down = await bazaar('status', '-u', c.url());
    expect(down.code).toBe(1);
    expect(down.out).toContain(`order#${leader} is down`);

    // chaos refuses what makes no sense, and says why
    const again = await bazaar('chaos', 'kill', 'order', String(leader), '-d', dataDir);
    expect(again.code).toBe(1);
    expect(again.out).toContain('is not running');
    expect((await bazaar('chaos', 'kill', 'order', '9', '-d', dataDir)).out).toContain('no order #9');
    expect((await bazaar('chaos', 'explode', 'order', '1', '-d', dataDir)).code).not.toBe(0);

    const restarted = await bazaar('chaos', 'restart', 'order', String(leader), '-d', dataDir);
    expect(restarted).toMatchObject({ code: 0 });
    expect(c.runner.isRunning('order', leader)).toBe(true);
    await page.waitForSelector(`[data-testid="instance-order-${leader}"][data-healthy="true"][data-role="follower"]`, { timeout: 15000 });
    // it caught up: the order taken while it was dead is in its own store
    await eventually(() => orderStore(c, leader).some((r) => r.number === o.body.data.order_number), 15000);
    expect(orderStore(c, leader).map((r) => r.number)).toContain(o.body.data.order_number);
    const healed = await eventually(async () => {
      const s = await bazaar('status', '-u', c.url());
      return s.code === 0 ? s : null;
    }, 15000);
    expect(healed?.out).toContain('all healthy');
  });

  it('bazaar chaos pause and resume: a SIGSTOPped follower is shown down, then up again', async () => {
    const leader = await orderLeader(c);
    const follower = [1, 2, 3].find((id) => id !== leader)!;
    expect((await bazaar('chaos', 'pause', 'order', String(follower), '-d', dataDir)).code).toBe(0);
    expect(c.runner.isPaused('order', follower)).toBe(true);
    expect((await bazaar('chaos', 'list', '-d', dataDir)).out).toMatch(new RegExp(`order\\s*│\\s*${follower}\\s*│\\s*\\d+\\s*│\\s*paused`));
    await page.waitForSelector(`[data-testid="instance-order-${follower}"][data-healthy="false"]`, { timeout: 15000 });
    expect((await bazaar('chaos', 'resume', 'order', String(follower), '-d', dataDir)).code).toBe(0);
    expect(c.runner.isPaused('order', follower)).toBe(false);
    await page.waitForSelector(`[data-testid="instance-order-${follower}"][data-healthy="true"]`, { timeout: 15000 });
  });

  it('bazaar chaos scenario failover: load, kill -9 of the leader, recovery timings, every acknowledged order checked', async () => {
    const s = await bazaar('chaos', 'scenario', 'failover', '-d', dataDir, '--steady-ms', '2000', '-s', '7');
    expect(s.out).toContain('verdict: PASS');
    expect(s.code).toBe(0);
    expect(s.out).toMatch(/new leader after \d+ ms; orders stalled \d+ ms/);
    // it raised the toys' stock first, so that a sell-out cannot pass for a stall; the load then took some
    expect(s.out).toContain('stock of 10 toys raised to 100000');
    const toys = c.query('catalog', 1, (db) => db.prepare("SELECT quantity FROM items WHERE kind = 'toy'").all()) as { quantity: number }[];
    expect(toys).toHaveLength(10);
    expect(toys.every((t) => t.quantity <= 100000 && t.quantity > 90000)).toBe(true);
    expect(toys.some((t) => t.quantity < 100000)).toBe(true);
    expect(s.out).toMatch(/caught up: follower at log position \d+/);
    // the cluster is whole again: every order replica holds the same orders
    const leader = await orderLeader(c);
    await eventually(() => [1, 2, 3].every((id) => orderStore(c, id).length === orderStore(c, leader).length), 15000);
    const counts = [1, 2, 3].map((id) => orderStore(c, id).length);
    expect(new Set(counts).size).toBe(1);
    expect(counts[0]).toBeGreaterThan(10);
  });

  it('the control API wants the admin token', async () => {
    const info = JSON.parse(readFileSync(join(dataDir, 'launcher.json'), 'utf8'));
    const res = await fetch(`${info.control}/instances`);
    expect(res.status).toBe(401);
    const ok = await fetch(`${info.control}/instances`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(((await ok.json()) as unknown[]).length).toBe(c.topology.instances.length);
  });

  it('SIGTERM to the gateway ends the open event streams (the page\'s and a client\'s) and the gateway exits', async () => {
    const res = await fetch(`${c.url()}/dashboard/stream`);
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('"services"')) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toMatch(/^data: \{/m);
    await c.kill('gateway', 1, 'SIGTERM'); // resolves only once the process has exited
    expect(c.runner.isRunning('gateway', 1)).toBe(false);
    let done = false;
    while (!done) done = (await reader.read()).done;
    expect(done).toBe(true);
    await page.waitForSelector('#conn:text("reconnecting")', { timeout: 10000 });
    const status = await bazaar('status', '-u', c.url());
    expect(status.code).toBe(2);
    expect(status.out).toContain('cannot be reached');
  });
});

describe('bazaar status verdict', () => {
  const row = (app: string, id: number, role: string, healthy = true) => ({ app, id, role, term: null, healthy, http: null, tcp: null });

  it('is healthy only when every instance is up and every replicated service has a healthy leader', () => {
    expect(assess({ order: [row('order', 1, 'leader'), row('order', 2, 'follower')], gateway: [row('gateway', 1, 'member')] })).toEqual([]);
    expect(assess({ order: [row('order', 1, 'leader', false), row('order', 2, 'follower')] })).toEqual(['order#1 is down', 'order has no healthy leader']);
    expect(assess({ catalog: [row('catalog', 1, 'primary (deposed)'), row('catalog', 2, 'backup')] })).toEqual(['catalog has no healthy primary']);
  });
});
