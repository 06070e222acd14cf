import { Command } from 'commander';
import { cartCommand } from './cart.command';
import { composeCommand } from './compose.command';
import { loadCommand } from './load.command';
import { upCommand } from './up.command';
import { chaosActionCommand, chaosListCommand, chaosScenarioCommand } from './chaos.command';
import { statusCommand } from './status.command';

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
  .option('--control-port <port>', 'port of the control API bazaar chaos talks to (127.0.0.1; default: a free one, written to <data-dir>/launcher.json)')
  .action(upCommand);

program
  .command('status')
  .description('every instance with role, term, health and address, the live figures and recent events; exit 1 when unhealthy, 2 when the gateway is unreachable')
  .option('-u, --url <url>', 'gateway URL (default: the first gateway of the topology)')
  .option('-t, --topology <file>', 'topology file', process.env.TOPOLOGY_FILE ?? 'topology.json')
  .option('-e, --events <n>', 'recent events to show', '10')
  .option('--json', 'print the state as JSON')
  .action(statusCommand);

const chaos = program
  .command('chaos')
  .description('fault injection through the launcher that runs the cluster (bazaar up / npm start)');
const dataDirOption = ['-d, --data-dir <dir>', 'data directory of the running cluster (env DATA_DIR)', process.env.DATA_DIR ?? './data'] as const;
for (const [action, what] of [['kill', 'kill -9 (SIGKILL)'], ['pause', 'SIGSTOP'], ['resume', 'SIGCONT a paused'], ['restart', 'start a killed']] as const) {
  chaos
    .command(`${action} <app> <id>`)
    .description(`${what} instance, e.g. bazaar chaos ${action} order 2`)
    .option(...dataDirOption)
    .action((app: string, id: string, opts: { dataDir: string }) => chaosActionCommand(action, app, id, opts));
}
chaos
  .command('list')
  .description('every instance the launcher runs, with pid and state (running, paused, stopped)')
  .option(...dataDirOption)
  .action(chaosListCommand);
chaos
  .command('scenario <name>')
  .description('failover: kill -9 the order leader under load; pause-leader: SIGSTOP it and SIGCONT it later. Prints what happened and how long recovery took; exit 1 if a check fails')
  .option(...dataDirOption)
  .option('-u, --url <url>', 'gateway URL (default: the first gateway of the running topology)')
  .option('-c, --concurrency <c>', 'concurrent load sessions', '4')
  .option('--steady-ms <ms>', 'load before the fault and after recovery', '3000')
  .option('-s, --seed <seed>', 'load PRNG seed')
  .option('--keep-stock', 'do not raise the toys\' stock first (a sell-out then shows as a stall)')
  .action(chaosScenarioCommand);

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
