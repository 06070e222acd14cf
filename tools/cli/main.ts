import { Command } from 'commander';
import { cartCommand } from './cart.command';
import { composeCommand } from './compose.command';
import { loadCommand } from './load.command';
import { upCommand } from './up.command';

const program = new Command()
  .name('bazaar')
  .description('Start, inspect and exercise a Bazaar cluster')
  .showHelpAfterError();

program
  .command('up')
  .description('start every instance of the topology as separate processes; Ctrl-C stops them all')
  .option('-t, --topology <file>', 'topology file', process.env.TOPOLOGY_FILE ?? 'topology.json')
  .option('-d, --data-dir <dir>', 'data directory (env DATA_DIR)', process.env.DATA_DIR ?? './data')
  .option('--redis', 'also start a local Redis Cluster (6 redis-server processes on 7000-7005) as the gateways\' L2 cache')
  .action(upCommand);

program
  .command('load')
  .description('the Toy Store client as a load generator: query toys, order some, then check every order placed')
  .option('-u, --url <url>', 'gateway URL', 'http://127.0.0.1:3000')
  .option('-n, --iterations <n>', 'iterations in all', '1000')
  .option('-c, --concurrency <c>', 'concurrent sessions', '10')
  .option('-p, --probability <p>', 'probability of ordering a toy in stock', '0.5')
  .option('-s, --seed <seed>', 'PRNG seed (default: random, printed)')
  .option('--json <file>', 'also write the report as JSON')
  .action(loadCommand);

program
  .command('cart')
  .description('change the cart store membership: join|leave <kv-node id> (only the keys that must move are moved)')
  .argument('<action>', 'join or leave')
  .argument('<node>', 'kv-node id')
  .option('-t, --topology <file>', 'topology file', process.env.TOPOLOGY_FILE ?? 'topology.json')
  .option('-d, --data-dir <dir>', 'data directory (for the generated admin token)', process.env.DATA_DIR ?? './data')
  .action(cartCommand);

program
  .command('compose')
  .description('generate docker-compose.yml (and deploy/topology.compose.json) from the topology file')
  .option('-t, --topology <file>', 'topology file', process.env.TOPOLOGY_FILE ?? 'topology.json')
  .option('-o, --out <file>', 'compose file to write', 'docker-compose.yml')
  .option('--topology-out <file>', 'topology for the containers', 'deploy/topology.compose.json')
  .action(composeCommand);

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`bazaar: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
