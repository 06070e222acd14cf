import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadTopology } from '@app/cluster/topology';
import { composeFile, composeTopology, serviceName } from '../../tools/compose/compose';

const ROOT = resolve(__dirname, '..', '..');

describe('docker-compose.yml', () => {
  const topology = loadTopology(join(ROOT, 'topology.json'));

  it('is what the topology generates (run `npx bazaar compose` after changing topology.json)', () => {
    expect(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')).toBe(composeFile(topology));
    expect(JSON.parse(readFileSync(join(ROOT, 'deploy', 'topology.compose.json'), 'utf8'))).toEqual(composeTopology(topology));
  });

  it('has one service per instance, all on one image, addressed by service name (never 127.0.0.1), and a 6-node Redis Cluster', () => {
    const text = composeFile(topology);
    for (const i of topology.instances) expect(text).toContain(`  ${serviceName(i)}:\n    <<: *app\n    command: ["node", "dist/apps/${i.app}/src/main.js"]`);
    const inside = composeTopology(topology);
    expect(inside.instances.every((i) => i.host === serviceName(i) && i.bind === '0.0.0.0')).toBe(true);
    expect(JSON.stringify(inside)).not.toContain('127.0.0.1');
    expect(inside.redis).toHaveLength(6);
  });

  it("is accepted by Debian's docker-compose (v1) `config`", () => {
    const dir = mkdtempSync(join(tmpdir(), 'bazaar-compose-'));
    const file = join(dir, 'docker-compose.yml');
    writeFileSync(file, composeFile(topology));
    // .ci/run installs docker-compose when it is missing: this test needs the real validator
    let out: string;
    try {
      out = execFileSync('docker-compose', ['-f', file, 'config', '--services'], { cwd: ROOT, encoding: 'utf8' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const services = out.trim().split('\n').sort();
    expect(services).toEqual([...topology.instances.map(serviceName), ...[1, 2, 3, 4, 5, 6].map((n) => `redis-${n}`), 'redis-cluster-init'].sort());
  });
});
