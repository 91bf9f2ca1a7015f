import { Command } from 'commander';

/**
 * The commands, each loaded only when it runs: `cairn mrt dump` does not load the intel corpus
 * code, the collector or their dependencies (start-up time counts for short runs and pipelines).
 * Help and unknown names load them all.
 */
const COMMANDS: Record<string, () => Promise<Command[]>> = {
  mrt: async () => [(await import('./mrt.js')).mrtCommand()],
  country: async () => (await import('./country.js')).countryCommands(),
  outages: async () => [(await import('./outages.js')).outagesCommand()],
  intel: async () => [(await import('./intel.js')).intelCommand()],
  ach: async () => [(await import('./ach.js')).achCommand()],
  collect: async () => {
    const [{ collectCommand }, { liveCollectSetup }] = await Promise.all([
      import('./collect.js'),
      import('./live.js'),
    ]);
    return [collectCommand(liveCollectSetup)];
  },
  demo: async () => [(await import('./demo.js')).demoCommand()],
};
/** Command names defined by another entry (country.ts defines four). */
const ALIASES: Record<string, string> = { asn: 'country', ip: 'country', countries: 'country' };

export async function buildProgram(argv: readonly string[] = process.argv): Promise<Command> {
  const program = new Command();
  program
    .name('cairn')
    .description(
      'Who did it, and how is a country wired to the Internet: analysis of public routing and threat data',
    )
    .version('0.1.0');
  const name = argv[2] ?? '';
  const entry = COMMANDS[name] !== undefined ? name : ALIASES[name];
  const loaders = entry !== undefined ? [COMMANDS[entry]] : Object.values(COMMANDS);
  for (const load of loaders) for (const command of await load()) program.addCommand(command);
  return program;
}
