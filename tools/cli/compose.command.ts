import { writeFileSync } from 'node:fs';
import { loadTopology } from '@app/cluster/topology';
import { composeFile, composeTopology } from '../compose/compose';

/** `bazaar compose`: writes docker-compose.yml and deploy/topology.compose.json from the topology file. */
export function composeCommand(opts: { topology: string; out: string; topologyOut: string }): void {
  const t = loadTopology(opts.topology);
  writeFileSync(opts.out, composeFile(t));
  writeFileSync(opts.topologyOut, `${JSON.stringify(composeTopology(t), null, 2)}\n`);
  console.log(`wrote ${opts.out} (${t.instances.length} instances + a 6-node Redis Cluster) and ${opts.topologyOut}`);
}
