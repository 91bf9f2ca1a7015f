/**
 * `cairn mrt dump` and `cairn mrt stats`: parse the arguments, call app's `dumpMrt` and
 * `mrtStats`, render to the io. `--strict` ends with exit code 2 at the first problem in the input.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { dumpMrt, mrtStatsEach, type DecompressorChoice } from '../app/mrt.js';
import { CairnError, type ErrorCode } from '../errors/index.js';
import { action, type CliContext } from './command.js';
import { EXIT_INPUT_PROBLEM, EXIT_OK, noteProblem } from './io.js';
import { formatStats, problemLine, problemPrinter, progressHooks } from './output.js';

/** Problems printed by `mrt dump`; the rest are counted. */
const MAX_PROBLEM_LINES = 20;

type ElementTypeName = 'A' | 'W' | 'B' | 'STATE';

interface DumpOptions {
  format: 'bgpdump' | 'jsonl';
  type?: ElementTypeName[];
  prefix?: string[];
  peerAs?: string[];
  originAs?: string[];
  strict?: boolean;
  progress: boolean;
  quiet?: boolean;
  decompressor: DecompressorChoice;
  jobs?: number;
}

function collect<T>(parse: (text: string) => T) {
  return (value: string, previous: T[] | undefined): T[] => [...(previous ?? []), parse(value)];
}

function parseType(text: string): ElementTypeName {
  const upper = text.toUpperCase();
  if (upper === 'A' || upper === 'W' || upper === 'B' || upper === 'STATE') return upper;
  throw new InvalidArgumentError(`element type must be A, W, B or STATE, not ${JSON.stringify(text)}`);
}

const text = (value: string): string => value;

export function mrtCommand(context: CliContext): Command {
  const { io } = context;
  const mrt = new Command('mrt').description('decode MRT routing archives (RIPE RIS, RouteViews)');
  mrt
    .command('dump')
    .description('print the elements of MRT files, as bgpdump -m does or as JSON lines')
    .argument('<file...>', 'MRT files: plain, gzip or bzip2 (detected from their first bytes)')
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(['bgpdump', 'jsonl']).default('bgpdump'),
    )
    .option(
      '-t, --type <type>',
      'only elements of this type: A, W, B or STATE (repeatable)',
      collect(parseType),
    )
    .option(
      '-p, --prefix <prefix>',
      'only elements for this prefix or prefixes inside it (repeatable)',
      collect(text),
    )
    .option('--peer-as <asn>', 'only elements from this peer AS (repeatable)', collect(text))
    .option('--origin-as <asn>', 'only routes originated by this AS (repeatable)', collect(text))
    .option('--strict', 'stop at the first problem in the input, with exit code 2')
    .addOption(decompressorOption())
    .addOption(jobsOption())
    .option('--no-progress', 'no progress bar (it is shown only when stderr is a terminal)')
    .option('-q, --quiet', 'do not print problems found in the input')
    .action(
      action(context, async (files: string[], options: DumpOptions) => {
        const problems = problemPrinter(io, { limit: MAX_PROBLEM_LINES, quiet: options.quiet });
        try {
          await dumpMrt(
            {
              files,
              format: options.format,
              type: options.type,
              prefix: options.prefix,
              peerAs: options.peerAs,
              originAs: options.originAs,
              strict: options.strict,
              decompressor: options.decompressor,
              jobs: options.jobs,
            },
            io.stdout,
            { ...progressHooks(io, options.progress), onProblem: problems.onProblem },
          );
        } catch (error) {
          if (options.strict && error instanceof CairnError) return EXIT_INPUT_PROBLEM;
          throw error;
        }
        if (problems.count > MAX_PROBLEM_LINES && !options.quiet)
          io.stderr.write(`cairn: ${problems.count} problems in all (first ${MAX_PROBLEM_LINES} shown)\n`);
        return EXIT_OK;
      }),
    );
  mrt
    .command('stats')
    .description('count records, elements, peers and prefixes in MRT files, and the problems found')
    .argument('<file...>', 'MRT files')
    .option('--json', 'one JSON object per file')
    .option('--strict', 'stop at the first problem in the input, with exit code 2')
    .addOption(decompressorOption())
    .addOption(jobsOption())
    .option('--no-progress', 'no progress bar')
    .action(
      action(
        context,
        async (
          files: string[],
          options: {
            json?: boolean;
            strict?: boolean;
            progress: boolean;
            decompressor: DecompressorChoice;
            jobs?: number;
          },
        ) => {
          const each = mrtStatsEach(
            files,
            { strict: options.strict, decompressor: options.decompressor, jobs: options.jobs },
            progressHooks(io, options.progress),
          );
          try {
            for await (const stats of each) {
              io.stdout.write(options.json ? JSON.stringify(stats) + '\n' : formatStats(stats) + '\n\n');
              for (const code of Object.keys(stats.problems.byCode))
                noteProblem(io, new CairnError(code as ErrorCode, code, { file: stats.file }));
              const cut = stats.problems.incomplete;
              if (cut !== undefined) {
                const { code, message, ...location } = cut;
                noteProblem(io, new CairnError(code as ErrorCode, message, location));
              }
            }
          } catch (error) {
            if (options.strict && error instanceof CairnError) {
              io.stderr.write(`cairn: ${problemLine(error)}\n`);
              return EXIT_INPUT_PROBLEM;
            }
            throw error;
          }
          return EXIT_OK;
        },
      ),
    );
  return mrt;
}

/** --jobs, the same for `mrt dump` and `mrt stats`. */
function jobsOption(): Option {
  return new Option(
    '-j, --jobs <n>',
    'files decoded at once in worker threads; output keeps file order (default: 1, or up to 4 workers ' +
      'with 4 cores or more when the input is large enough to pay for them: about 32-62 MB of gzip)',
  ).argParser((value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new InvalidArgumentError('--jobs takes a whole number of at least 1');
    return n;
  });
}

/** --decompressor, the same for `mrt dump` and `mrt stats`. */
function decompressorOption(): Option {
  return new Option(
    '--decompressor <how>',
    'decompressor: auto, native, or one of js, lbzip2, bzip2 (bzip2 files), zlib, igzip, libdeflate (gzip files)',
  )
    .choices(['auto', 'native', 'js', 'lbzip2', 'bzip2', 'zlib', 'igzip', 'libdeflate'])
    .default('auto');
}
