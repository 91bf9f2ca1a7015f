import { Command, CommanderError } from 'commander';
// Not app/index.js: that loads all of app (DuckDB, zod...) before any command, `mrt dump` included.
import { limitFromEnvironment, setInputLimits } from '../app/input-limits.js';
import type { CliContext } from './command.js';
import { EXIT_USAGE, type CliIo } from './io.js';

/**
 * The commands, each loaded only when it runs: `cairn mrt dump` does not load the intel corpus
 * code, the collector or their dependencies (start-up time counts for short runs and pipelines).
 * `--version` loads none; help and unknown names load them all. No command imports another.
 */
const COMMANDS: Record<string, (context: CliContext) => Promise<Command[]>> = {
  mrt: async (c) => [(await import('./mrt.js')).mrtCommand(c)],
  country: async (c) => (await import('./country.js')).countryCommands(c),
  outages: async (c) => [(await import('./outages.js')).outagesCommand(c)],
  intel: async (c) => [(await import('./intel.js')).intelCommand(c)],
  ach: async (c) => [(await import('./ach.js')).achCommand(c)],
  collect: async (c) => [(await import('./collect.js')).collectCommand(c)],
  demo: async (c) => [(await import('./demo.js')).demoCommand(c)],
  watch: async (c) => [(await import('./watch.js')).watchCommand(c)],
  fetch: async (c) => [(await import('./fetch.js')).fetchCommand(c)],
  whatif: async (c) => [(await import('./whatif.js')).whatifCommand(c)],
  ingest: async (c) => [(await import('./ingest.js')).ingestCommand(c)],
  history: async (c) => [(await import('./history.js')).historyCommand(c)],
  serve: async (c) => [(await import('./serve.js')).serveCommand(c)],
  publish: async (c) => [(await import('./publish.js')).publishCommand(c)],
};
/** Command names defined by another entry (country.ts defines four). */
const ALIASES: Record<string, string> = { asn: 'country', ip: 'country', countries: 'country' };

/** The global options that take a value in the next word (`--max-input-bytes=N` is one word). */
const GLOBAL_OPTIONS_WITH_VALUE = new Set(['--max-input-bytes']);

/** The command word of `args`: the first that is neither a global option nor its value. */
function commandName(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (GLOBAL_OPTIONS_WITH_VALUE.has(args[i])) i++;
    else if (!args[i].startsWith('-')) return args[i];
  }
  return undefined;
}

export async function buildProgram(args: readonly string[], context: CliContext): Promise<Command> {
  const program = new Command();
  program
    .name('cairn')
    .description(
      'Who did it, and how is a country wired to the Internet: analysis of public routing and threat data',
    )
    .version('0.1.0')
    .option(
      '--max-input-bytes <bytes>',
      'largest input file read, in bytes (default 1 GiB, or CAIRN_MAX_INPUT_BYTES)',
    )
    .option('--stream', 'read FIFOs and devices given as input files as streams (up to the limit)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context.io.stdout.write(text),
      writeErr: (text) => context.io.stderr.write(text),
    })
    // Input limits are process-wide: set them (or put back the defaults) before every command.
    .hook('preAction', () => {
      const options = program.opts<{ maxInputBytes?: string; stream?: boolean }>();
      const maxBytes =
        options.maxInputBytes !== undefined ? Number(options.maxInputBytes) : limitFromEnvironment();
      if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0)
        program.error(`cairn: --max-input-bytes must be a positive whole number of bytes`);
      setInputLimits({ maxBytes, streams: options.stream === true });
    });
  const name = commandName(args);
  const entry = name === undefined ? undefined : COMMANDS[name] !== undefined ? name : ALIASES[name];
  const versionOnly = name === undefined && args.some((a) => a === '--version' || a === '-V');
  const loaders = versionOnly ? [] : entry !== undefined ? [COMMANDS[entry]] : Object.values(COMMANDS);
  for (const load of loaders) {
    for (const command of await load(context)) {
      command.exitOverride().configureOutput({
        writeOut: (text) => context.io.stdout.write(text),
        writeErr: (text) => context.io.stderr.write(text),
      });
      program.addCommand(command);
    }
  }
  return program;
}

/**
 * Runs `cairn` with `args` (without node and the script name) against `io`; resolves to the exit
 * code. Help and version exit 0; a usage error (unknown option, missing argument) exits 1.
 */
export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  const context: CliContext = { io, exitCode: 0 };
  const program = await buildProgram(args, context);
  try {
    await program.parseAsync([...args], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_USAGE;
    throw error;
  }
  return context.exitCode;
}
