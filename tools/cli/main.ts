import { Command } from 'commander';
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
  .action(upCommand);

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`bazaar: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
