import { Command } from 'commander';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('cairn')
    .description('Who did it, and how is a country wired to the Internet')
    .version('0.1.0');
  return program;
}
