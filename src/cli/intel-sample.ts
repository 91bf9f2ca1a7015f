/**
 * `cairn intel sample FILE|DIR...`: hashes, fuzzy hashes, PE build traits, network strings and
 * YARA matches of the files an incident left behind. Thin: parse the options, call the app's
 * sampleFiles, print one block per file, or one JSON line per file with --json.
 */
import { Command } from 'commander';
import { CairnError, escapeForTerminal } from '../errors/index.js';
// Not surface-intel.js: intel's index, the store and YARA load only when a run needs them.
import {
  DEFAULT_MAX_SAMPLE_SIZE,
  writeSampleLines,
  type SampleFileJson,
  type SampleResult,
} from '../app/surface-sample.js';
import { action, type CliContext } from './command.js';
import { EXIT_OK, writeReleasing, type CliIo } from './io.js';
import { problemPrinter, progressHooks } from './output.js';

interface SampleOptions {
  json?: boolean;
  maxSize?: string;
  rules?: string[];
  corpusRules?: boolean;
  victimNaming?: string;
  case?: string;
  db?: string;
  progress?: boolean;
}

const esc = escapeForTerminal;
const MAX_PROBLEM_LINES = 20;
const MAX_STRINGS_SHOWN = 40;

/** `1048576`, `512k`, `100M`, `4G` (powers of 1024). */
export function parseSize(text: string): number {
  const m = /^(\d+)([kmg]i?b?)?$/i.exec(text.trim());
  if (m === null)
    throw new CairnError('SAMPLE_BAD_OPTION', `--max-size ${text} is not a size (e.g. 100M)`, {
      field: 'maxSize',
    });
  const unit = (m[2] ?? '').charAt(0).toLowerCase();
  const factor = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  const size = Number(m[1]) * factor;
  if (!Number.isSafeInteger(size) || size <= 0) {
    throw new CairnError('SAMPLE_BAD_OPTION', `--max-size ${text} is out of range`, { field: 'maxSize' });
  }
  return size;
}

function fileText(entry: SampleFileJson): string {
  const lines = [esc(entry.file)];
  if (entry.error) {
    lines.push(`  not read: ${entry.error.code}: ${esc(entry.error.message)}`);
    return lines.join('\n');
  }
  const f = entry.facts!;
  lines.push(`  size      ${f.size}  type ${esc(f.type.kind)} (${esc(f.type.description)})`);
  lines.push(`  md5       ${f.hashes.md5}`, `  sha1      ${f.hashes.sha1}`, `  sha256    ${f.hashes.sha256}`);
  lines.push(
    `  ssdeep    ${f.hashes.ssdeep}`,
    `  tlsh      ${f.hashes.tlsh ?? '(none: file too short or too uniform)'}`,
  );
  if (f.pe) {
    const pe = f.pe;
    lines.push(`  imphash   ${pe.imphash || '(no imports)'}`);
    lines.push(
      `  compiled  ${pe.compiledAt} (0x${pe.timestamp.toString(16)})  linker ${pe.linkerVersion}  ${pe.is64 ? 'PE32+' : 'PE32'}`,
    );
    if (pe.rich) {
      lines.push(`  rich      ${pe.rich.md5}  ${pe.rich.entries.length} entries`);
      for (const e of pe.rich.entries)
        lines.push(`            product ${e.productId} build ${e.build} x${e.count}`);
    }
    if (pe.pdbPath !== undefined) lines.push(`  pdb       ${esc(pe.pdbPath)}`);
    if (pe.resourceLanguages.length > 0) {
      lines.push(
        `  languages ${pe.resourceLanguages.map((l) => `0x${l.id.toString(16).padStart(4, '0')} x${l.count}`).join(', ')}`,
      );
    }
    for (const [k, v] of Object.entries(pe.versionInfo)) lines.push(`  version   ${esc(k)}: ${esc(v)}`);
    lines.push('  sections');
    for (const s of pe.sections) {
      lines.push(
        `    ${esc(s.name).padEnd(9)} va 0x${s.virtualAddress.toString(16).padStart(8, '0')} raw ${String(s.rawSize).padStart(8)}  entropy ${s.entropy.toFixed(3)}`,
      );
    }
  }
  if (f.strings.length > 0) {
    lines.push(`  strings (${f.strings.length})`);
    for (const s of f.strings.slice(0, MAX_STRINGS_SHOWN)) {
      lines.push(
        `    ${s.kind.padEnd(10)} ${esc(s.value)}  @0x${s.offset.toString(16)}${s.insider ? `  internal host (${s.insider})` : ''}`,
      );
    }
    if (f.strings.length > MAX_STRINGS_SHOWN)
      lines.push(`    ... ${f.strings.length - MAX_STRINGS_SHOWN} more (--json for all)`);
  }
  for (const m of entry.yara ?? []) {
    lines.push(`  yara      ${esc(m.rule)}${m.tags.length ? ` [${m.tags.map(esc).join(',')}]` : ''}`);
    for (const a of m.actors ?? [])
      lines.push(`            names ${esc(a.actor)} (${a.weight.toFixed(2)}; ${esc(a.how)})`);
    for (const s of m.strings.slice(0, 10))
      lines.push(`            ${esc(s.identifier)} @0x${s.offset.toString(16)}`);
  }
  for (const p of f.problems)
    lines.push(
      `  problem   ${p.code}: ${esc(p.message)}${p.offset !== undefined ? ` (offset ${p.offset})` : ''}`,
    );
  return lines.join('\n');
}

export function sampleText(result: SampleResult): string {
  const blocks = result.files.map(fileText);
  blocks.push(
    `${result.read} file(s) read, ${result.refused} not read, ${result.bytes} bytes` +
      (result.rules ? `; YARA: ${result.rules.files} rule file(s) with ${esc(result.rules.engine)}` : '') +
      (result.case
        ? `; case ${esc(result.case.file ?? result.case.name)}${result.case.db !== undefined ? ` in ${esc(result.case.db)}` : ''}: ${result.case.values} value(s), ${result.case.added} new`
        : ''),
  );
  return blocks.join('\n\n') + '\n';
}

function print(io: CliIo, text: string): void {
  io.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

/** Adds `sample` to the `intel` command. */
export function addIntelSampleCommand(intel: Command, context: CliContext): void {
  const { io } = context;
  intel.addCommand(
    new Command('sample')
      .description(
        'hashes, fuzzy hashes, PE build traits, network strings and YARA matches of files (never run)',
      )
      .argument('<path...>', 'files or folders (links, devices and FIFOs are refused)')
      .option('--json', 'one JSON object per file, one per line')
      .option('--max-size <size>', 'skip files larger than this (e.g. 100M)', String(DEFAULT_MAX_SAMPLE_SIZE))
      .option(
        '--rules <dir>',
        'YARA rules (.yar/.yara) run with the yara command line (repeatable)',
        (value: string, previous: string[] = []) => [...previous, value],
      )
      .option('--corpus-rules', "also the shared corpus' rules (intel/yara, the ESET rules; $CAIRN_CORPUS)")
      .option(
        '--case <name>',
        'add the values to this case: in the store with --db, else a case file (CSV, extended when it exists) for intel show|similar|attribute --case',
      )
      .option(
        '--db <file>',
        'the store holding the --case (default: $CAIRN_DB, else ~/.local/share/cairn/cairn.duckdb)',
      )
      .option('--victim-naming <regex>', "the victim's internal host naming, flagged as insider knowledge")
      .option('--no-progress', 'no progress bar on stderr')
      .action(
        action(context, async (paths: string[], options: SampleOptions) => {
          const hooks = {
            ...progressHooks(io, options.progress !== false),
            ...problemPrinter(io, { limit: MAX_PROBLEM_LINES }),
          };
          const input = {
            paths,
            maxSize: parseSize(options.maxSize ?? String(DEFAULT_MAX_SAMPLE_SIZE)),
            rules: options.rules,
            corpusRules: options.corpusRules === true,
            victimNaming: options.victimNaming,
            ...(options.case !== undefined && options.db !== undefined
              ? { caseName: options.case, db: options.db }
              : { caseFile: options.case }),
          };
          // JSON lines are made where each file is read, never rebuilt as objects here, and
          // printed as they come.
          if (options.json) await writeSampleLines(input, writeReleasing(io), hooks);
          else {
            const { sampleFiles } = await import('../app/surface-intel.js');
            print(io, sampleText(await sampleFiles(input, hooks)));
          }
          return EXIT_OK;
        }),
      ),
  );
}
