import type { Instance, Topology } from '@app/cluster/topology';

/**
 * docker-compose.yml for the whole system, generated from the topology file so that a port lives in
 * one place: one image for every app (the Dockerfile), one service per instance addressed by its
 * service name, a compose topology (deploy/topology.compose.json) where each instance's host is its
 * service name and it binds 0.0.0.0, and a 6-node Redis Cluster for the gateways' L2 cache.
 */
export function serviceName(i: Pick<Instance, 'app' | 'id'>): string {
  return `${i.app}-${i.id}`;
}

export function composeTopology(t: Topology): Topology {
  return {
    instances: t.instances.map((i) => ({ ...i, host: serviceName(i), bind: '0.0.0.0' })),
    redis: REDIS.map((r) => `${r}:6379`),
  };
}

const REDIS = [1, 2, 3, 4, 5, 6].map((n) => `redis-${n}`);

/** YAML text (written by hand: a fixed, simple shape, and one dependency fewer). */
export function composeFile(t: Topology): string {
  const lines: string[] = [
    '# Generated from topology.json by `npx bazaar compose`: edit the topology, then regenerate.',
    '# One image for every app; each instance is a service addressed by its name.',
    "version: '3.8'",
    '',
    'x-app: &app',
    '  image: bazaar:latest',
    '  build: .',
    '  restart: unless-stopped',
    '',
    'services:',
  ];
  const order = ['recovery', 'catalog', 'order', 'kv-node', 'gateway', 'cart-gateway'];
  const instances = [...t.instances].sort((a, b) => order.indexOf(a.app) - order.indexOf(b.app) || a.id - b.id);
  for (const i of instances) {
    const name = serviceName(i);
    lines.push(`  ${name}:`, '    <<: *app', `    command: ["node", "dist/apps/${i.app}/src/main.js"]`, '    environment:');
    lines.push('      TOPOLOGY_FILE: /app/deploy/topology.compose.json', `      INSTANCE_ID: "${i.id}"`, '      DATA_DIR: /data');
    lines.push('      BAZAAR_ADMIN_TOKEN: ${BAZAAR_ADMIN_TOKEN:-change-me}');
    if (i.app === 'gateway') lines.push(`      REDIS_NODES: ${REDIS.map((r) => `${r}:6379`).join(',')}`);
    lines.push('    volumes:', `      - ${name}-data:/data`);
    const ports = [i.http, i.ftp].filter((p): p is number => !!p);
    if (ports.length) {
      lines.push('    ports:');
      for (const p of ports) lines.push(`      - "${p}:${p}"`);
    }
    if (i.app === 'gateway') lines.push('    depends_on:', '      - redis-cluster-init');
    lines.push('');
  }
  for (const r of REDIS) {
    lines.push(`  ${r}:`, '    image: redis:7', '    restart: unless-stopped');
    lines.push(`    command: ["redis-server", "--cluster-enabled", "yes", "--cluster-node-timeout", "1000", "--cluster-announce-hostname", "${r}", "--cluster-preferred-endpoint-type", "hostname", "--appendonly", "no", "--save", ""]`);
    lines.push('');
  }
  lines.push('  redis-cluster-init:', '    image: redis:7', '    restart: "no"', '    depends_on:');
  for (const r of REDIS) lines.push(`      - ${r}`);
  lines.push(`    command: ["sh", "-c", "sleep 3 && redis-cli --cluster create ${REDIS.map((r) => `${r}:6379`).join(' ')} --cluster-replicas 1 --cluster-yes || true"]`);
  lines.push('', 'volumes:');
  for (const i of instances) lines.push(`  ${serviceName(i)}-data: {}`);
  return `${lines.join('\n')}\n`;
}
