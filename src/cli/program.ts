import { Command } from 'commander';
import { achCommand } from './ach.js';
import { collectCommand } from './collect.js';
import { countryCommands } from './country.js';
import { demoCommand } from './demo.js';
import { intelCommand } from './intel.js';
import { liveCollectSetup } from './live.js';
import { outagesCommand } from './outages.js';
import { mrtCommand } from './mrt.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('cairn')
    .description(
      'Who did it, and how is a country wired to the Internet: analysis of public routing and threat data',
    )
    .version('0.1.0');
  program.addCommand(mrtCommand());
  for (const command of countryCommands()) program.addCommand(command);
  program.addCommand(outagesCommand());
  program.addCommand(intelCommand());
  program.addCommand(achCommand());
  program.addCommand(collectCommand(liveCollectSetup));
  program.addCommand(demoCommand());
  return program;
}
