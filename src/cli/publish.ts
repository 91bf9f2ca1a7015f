/**
 * `cairn publish --mrt FILE|DIR... --to nats://host:port [--source NAME]`: puts MRT files on the
 * element bus, one segment per file in time order (app publishMrtFiles), for ingest workers
 * (`cairn ingest --from nats://...`) to write into the store. A file published again adds
 * nothing: the stream drops parts it already has. Thin: parse, call app, render.
 */
import { Command } from 'commander';
import { publishMrtFiles, type PublishResult } from '../app/surface-bus.js';
import { escapeForTerminal } from '../errors/index.js';
import { action, type CliContext } from './command.js';
import { EXIT_OK, type CliIo } from './io.js';
import { problemPrinter } from './output.js';

interface PublishCliOptions {
  mrt: string[];
  to: string;
  source?: string;
  json?: boolean;
}

function summaryText(result: PublishResult): string {
  const lines = result.files.map(
    (f) => `${f.hash.slice(0, 16)}  ${String(f.parts).padStart(6)} parts  ${escapeForTerminal(f.path)}`,
  );
  lines.push(
    `${result.files.length} files, ${result.messages} messages (${result.duplicates} already on the stream), ` +
      `${result.bytes.toLocaleString('en-US')} bytes on ${escapeForTerminal(result.subject)} in ${result.seconds.toFixed(1)} s`,
  );
  return lines.join('\n') + '\n';
}

async function runPublish(io: CliIo, options: PublishCliOptions): Promise<number> {
  const result = await publishMrtFiles(
    {
      bus: options.to,
      mrt: options.mrt,
      ...(options.source !== undefined ? { source: options.source } : {}),
    },
    problemPrinter(io, { limit: 20 }),
  );
  io.stdout.write(options.json === true ? JSON.stringify(result) + '\n' : summaryText(result));
  return EXIT_OK;
}

export function publishCommand(context: CliContext): Command {
  return new Command('publish')
    .description('put MRT files on the element bus (NATS JetStream) for ingest workers, one segment per file')
    .requiredOption('--mrt <path...>', 'MRT files or folders, published in time order')
    .requiredOption('--to <url>', 'the bus: nats://host:port[,host:port...][?stream=NAME]')
    .option('--source <name>', 'the subject is cairn.elements.<name> (default files)')
    .option('--json', 'the result as JSON')
    .action(action(context, (options: PublishCliOptions) => runPublish(context.io, options)));
}
