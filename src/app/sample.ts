/**
 * Reading the files an incident left behind (`cairn intel sample`): walks the paths given,
 * refuses what is not a regular file (devices, FIFOs, sockets and symbolic links, by name), skips
 * files over the size limit, reads each file whole and hands its bytes to intel's sample reader
 * (hashes, fuzzy hashes, PE build traits, network strings). Nothing is ever executed; YARA runs
 * through Debian's `yara` command (a child process) over rules compiled once per run.
 * Directories of many files are read by worker threads, one per core (sample-files.ts: the input,
 * the walk and the workers, which `--json` alone needs, without this module's intel and store).
 *
 * @example
 * const result = await sampleFiles({ paths: ['incident/'], rules: 'rules/' }, hooks);
 * result.files[0].facts?.pe?.imphash;
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { CairnError } from '../errors/index.js';
import { systemClock, type Clock } from '../bgp/index.js';
import {
  EvidenceGraph,
  RuleActorResolver,
  addSampleValues,
  parseYaraOutput,
  YaraOutputReader,
  YaraOutputBytesReader,
  sampleCaseId,
  sampleCaseValues,
  sampleValueId,
  splitCsvLine,
  type EvidenceObject,
  type IndicatorType,
  type YaraMatch,
  type SampleCaseValue,
  type YaraMatchText,
  type YaraMatchBytes,
} from '../intel/index.js';
import { DEFAULT_INTEL_CORPUS } from './defaults.js';
import { loadRuleActors } from './rule-actor-cache.js';
import {
  ByteSink,
  DEFAULT_MAX_SAMPLE_SIZE,
  problemOf,
  readSampleFiles,
  startSampleWorkers,
  type SampleWorkers,
  walkSamplePaths,
  type SampleLines,
  type SampleWrite,
} from './sample-files.js';
import { parseSampleInput, SampleInput, type SampleRequest } from './sample-input.js';
import { victimRegex, type SampleReplyForm, type SampleWorkerReply } from './sample-read.js';
import { ProblemJson } from './problem-schema.js';
import type { WorkHooks } from './progress.js';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';

const RichEntryJson = z.object({ productId: z.number(), build: z.number(), count: z.number() });
export const SamplePeJson = z.object({
  machine: z.number(),
  is64: z.boolean(),
  timestamp: z.number(),
  compiledAt: z.string(),
  linkerVersion: z.string(),
  subsystem: z.number(),
  characteristics: z.number(),
  entryPoint: z.number(),
  imageBase: z.string(),
  sections: z.array(
    z.object({
      name: z.string(),
      virtualAddress: z.number(),
      virtualSize: z.number(),
      rawOffset: z.number(),
      rawSize: z.number(),
      characteristics: z.number(),
      entropy: z.number(),
    }),
  ),
  imports: z.array(z.object({ dll: z.string(), functions: z.array(z.string()) })),
  imphash: z.string(),
  rich: z.object({ key: z.string(), entries: z.array(RichEntryJson), md5: z.string() }).optional(),
  resourceLanguages: z.array(z.object({ id: z.number(), count: z.number() })),
  pdbPath: z.string().optional(),
  pdbGuid: z.string().optional(),
  versionInfo: z.record(z.string(), z.string()),
});

export const SampleStringJson = z.object({
  kind: z.enum(['ipv4', 'ipv6', 'url', 'domain', 'email', 'hostname', 'credential']),
  value: z.string(),
  offset: z.number(),
  encoding: z.enum(['ascii', 'utf16le']),
  insider: z.enum(['single-label', 'internal-suffix', 'no-public-tld', 'victim-naming']).optional(),
});

export const YaraMatchJson = z.object({
  rule: z.string(),
  namespace: z.string().optional(),
  tags: z.array(z.string()),
  meta: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  strings: z.array(z.object({ identifier: z.string(), offset: z.number(), data: z.string() })),
  /** Actors the rule's name or naming metadata resolves to, as a report title's would. */
  actors: z
    .array(z.object({ actor: z.string(), id: z.string(), weight: z.number(), how: z.string() }))
    .optional(),
});
export type YaraMatchJson = z.infer<typeof YaraMatchJson>;

export const SampleFactsJson = z.object({
  size: z.number(),
  type: z.object({ kind: z.string(), description: z.string() }),
  hashes: z.object({
    md5: z.string(),
    sha1: z.string(),
    sha256: z.string(),
    ssdeep: z.string(),
    tlsh: z.string().optional(),
  }),
  pe: SamplePeJson.optional(),
  strings: z.array(SampleStringJson),
  problems: z.array(ProblemJson),
});
export type SampleFactsJson = z.infer<typeof SampleFactsJson>;

/** One path: its facts, or why it was not read. */
export const SampleFileJson = z.object({
  file: z.string(),
  facts: SampleFactsJson.optional(),
  yara: z.array(YaraMatchJson).optional(),
  error: ProblemJson.optional(),
});
export type SampleFileJson = z.infer<typeof SampleFileJson>;

export const SampleResult = z.object({
  files: z.array(SampleFileJson),
  read: z.number(),
  refused: z.number(),
  bytes: z.number(),
  /**
   * The case the values went to: a case file (`file`) or a case of the store (`db`, with its id);
   * `values` it holds from these samples, `added` of them new to it.
   */
  case: z
    .object({
      name: z.string(),
      file: z.string().optional(),
      db: z.string().optional(),
      id: z.string().optional(),
      values: z.number(),
      added: z.number(),
    })
    .optional(),
  /** The YARA rules used, when --rules was given. */
  rules: z.object({ source: z.string(), files: z.number(), engine: z.string() }).optional(),
});
export type SampleResult = z.infer<typeof SampleResult>;

/** Rules compiled once per run by yarac, in a temporary folder removed by dispose(). */
export interface CompiledRules {
  source: string;
  files: number;
  engine: string;
  compiledPath: string;
  dispose(): void;
}

const YARA_RULE_EXTENSIONS = /\.(yar|yara|rule|rules)$/i;
const MAX_YARA_OUTPUT = 256 * 1024 * 1024;

/** A command's stdout once it has ended well; its error carries its stderr (as execFileSync's does). */
function runCommand(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { encoding: 'utf8', maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error !== null) reject(Object.assign(error, { stderr }));
      else resolve(stdout);
    });
  });
}

async function yaraVersion(): Promise<string> {
  try {
    return `yara ${(await runCommand('yara', ['--version'])).trim()}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new CairnError(
        'SAMPLE_YARA_UNAVAILABLE',
        'the yara command is not installed (Debian package yara)',
        {},
      );
    }
    throw error;
  }
}

/**
 * Compiles every rule file under `source` with yarac, each file in its own namespace (so rules of
 * the same name in two files do not clash). A file that does not compile is reported and left out.
 * Asynchronous, so that a caller walks its samples meanwhile; yara's version is asked while
 * yarac runs.
 */
export async function compileYaraRules(
  sources: string | readonly string[],
  hooks: WorkHooks = {},
): Promise<CompiledRules> {
  const version = yaraVersion();
  // Awaited before any other error is thrown: yara missing is what the user has to hear first.
  version.catch(() => undefined);
  const list = typeof sources === 'string' ? [sources] : [...sources];
  const source = list.join(', ');
  const { files, refused } = walkSamplePaths(list);
  for (const r of refused) if (r.error) hooks.onProblem?.(problemOf(r.error));
  let ruleFiles = files.filter((f) => YARA_RULE_EXTENSIONS.test(f) || files.length === 1);
  if (ruleFiles.length === 0) {
    await version;
    throw new CairnError('SAMPLE_YARA_RULES', `no .yar or .yara files under ${source}`, { file: source });
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cairn-yara-'));
  const compiledPath = path.join(dir, 'rules.yarc');
  try {
    for (let attempt = 0; ruleFiles.length > 0; attempt++) {
      const args = ruleFiles.map((f, i) => `r${i}_${path.basename(f).replace(/[^A-Za-z0-9_]/g, '_')}:${f}`);
      try {
        await runCommand('yarac', ['-w', ...args, compiledPath]);
        return {
          source,
          files: ruleFiles.length,
          engine: await version,
          compiledPath,
          dispose: () => rmSync(dir, { recursive: true, force: true }),
        };
      } catch (error) {
        await version;
        const stderr = String((error as { stderr?: string }).stderr ?? '');
        const bad = ruleFiles.find((f) => stderr.includes(f));
        const line = /\((\d+)\)/.exec(stderr.slice(stderr.indexOf(bad ?? '\u0000')))?.[1];
        const problem = new CairnError(
          'SAMPLE_YARA_RULES',
          `yarac: ${stderr.trim().split('\n')[0] ?? 'failed'}`,
          {
            file: bad ?? source,
            ...(line !== undefined ? { line: Number(line) } : {}),
          },
        );
        if (bad === undefined || attempt > 1000) throw problem;
        hooks.onProblem?.(problem);
        ruleFiles = ruleFiles.filter((f) => f !== bad);
      }
    }
    throw new CairnError('SAMPLE_YARA_RULES', `no rule file under ${source} compiles`, { file: source });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** What one yara run found: matches by file, and its problems (with the file each is about, if any). */
interface YaraScan<M> {
  matches: Map<string, M[]>;
  problems: Array<{ file?: string; problem: CairnError }>;
}

/** Reads yara's output, chunk by chunk as it arrives, into matches by file. */
interface YaraReader<M> {
  push(chunk: Buffer): void;
  end(): { matches: Map<string, M[]>; unread: string[] };
}

/** Files yara has printed matches for so far, as `YaraOutputReader`'s `onFile` reports them. */
type YaraFileSeen<M> = (file: string, matches: ReadonlyMap<string, M[]>) => void;

/**
 * A reader of yara's output about `files`: `objectReader` or `YaraOutputReader`'s; the latter
 * report each file whose matches start (`onFile`).
 */
type YaraReading<M> = (files: readonly string[], onFile?: YaraFileSeen<M>) => YaraReader<M>;

/** `parseYaraOutput` of the whole output once yara has ended: matches as objects. */
const objectReader: YaraReading<YaraMatch> = (files) => {
  const chunks: Buffer[] = [];
  return {
    push: (chunk) => chunks.push(chunk),
    end: () => parseYaraOutput(Buffer.concat(chunks).toString('utf8'), files),
  };
};

/** The matches' strings as JSON text, read while yara runs (`YaraOutputReader`). */
const textReader: YaraReading<YaraMatchText> = (files, onFile) => new YaraOutputReader(files, onFile);

/** The matches' strings as the UTF-8 of their JSON text, read while yara runs (`YaraOutputBytesReader`). */
const bytesReader: YaraReading<YaraMatchBytes> = (files, onFile) => new YaraOutputBytesReader(files, onFile);

/** A match the rules' actors are added to. */
type RuleMatch = Pick<YaraMatchJson, 'rule' | 'meta' | 'actors'>;

/** The longest of `files` that `line` names (so that `a/b` does not claim a line about `a/b2`). */
function fileNamedIn(line: string, files: readonly string[]): string | undefined {
  let found: string | undefined;
  for (const f of files) if (line.includes(f) && (found === undefined || f.length > found.length)) found = f;
  return found;
}

/**
 * Runs yara once over all the files (a scan list, one path a line), never following links. Paths
 * with a line break cannot go in the list; each is a problem. Problems are collected, not
 * reported, so that a run started before the files are read can keep only the read files' ones.
 */
async function runYara<M>(
  rules: CompiledRules,
  files: readonly string[],
  reading: YaraReading<M>,
  signal?: AbortSignal,
  onOutput?: () => void,
  threads = Math.min(8, Math.max(1, os.availableParallelism())),
  onFile?: YaraFileSeen<M>,
): Promise<YaraScan<M>> {
  const problems: YaraScan<M>['problems'] = [];
  const scannable: string[] = [];
  for (const f of files) {
    if (!f.includes('\n') && !f.includes('\r')) scannable.push(f);
    else {
      problems.push({
        file: f,
        problem: new CairnError(
          'SAMPLE_YARA_FAILED',
          'a file name with a line break cannot go in a yara scan list',
          {
            file: f,
          },
        ),
      });
    }
  }
  if (scannable.length === 0) return { matches: new Map(), problems };
  const list = path.join(path.dirname(rules.compiledPath), 'scan-list.txt');
  writeFileSync(list, scannable.join('\n') + '\n');
  const args = [
    '-C',
    '-w',
    '-N',
    '-e',
    '-g',
    '-m',
    '-s',
    '-p',
    String(threads),
    '--scan-list',
    rules.compiledPath,
    list,
  ];
  // Only one scanning thread prints the files in the scan list's order (see YaraFrontier).
  const reader = reading(scannable, threads === 1 ? onFile : undefined);
  await new Promise<void>((resolve, reject) => {
    const child = spawn('yara', args, { stdio: ['ignore', 'pipe', 'pipe'], ...(signal ? { signal } : {}) });
    let size = 0;
    let stderr = '';
    // Read as it arrives: the output is parsed while yara (and the workers) still run.
    child.stdout.on('data', (c: Buffer) => {
      if (size === 0) onOutput?.();
      size += c.length;
      if (size <= MAX_YARA_OUTPUT) reader.push(c);
    });
    child.stderr.on('data', (c: Buffer) => {
      if (stderr.length < 65536) stderr += c.toString('utf8');
    });
    child.on('error', (error) =>
      reject(
        new CairnError('SAMPLE_YARA_UNAVAILABLE', `cannot run yara: ${error.message}`, {}, { cause: error }),
      ),
    );
    child.on('close', (code) => {
      for (const line of stderr.split('\n').filter((l) => l.trim() !== '')) {
        const file = fileNamedIn(line, scannable);
        problems.push({
          file,
          problem: new CairnError(
            'SAMPLE_YARA_FAILED',
            `yara: ${line.trim()}`,
            file !== undefined ? { file } : {},
          ),
        });
      }
      if (size > MAX_YARA_OUTPUT)
        problems.push({
          problem: new CairnError(
            'SAMPLE_YARA_FAILED',
            'yara printed more than 256 MiB; the rest is ignored',
            {},
          ),
        });
      if (code !== 0 && size === 0) {
        reject(
          new CairnError(
            'SAMPLE_YARA_FAILED',
            `yara exited with ${code}: ${stderr.trim().split('\n')[0] ?? ''}`,
            {},
          ),
        );
      } else resolve();
    });
  });
  const { matches, unread } = reader.end();
  if (unread.length > 0) {
    problems.push({
      problem: new CairnError(
        'SAMPLE_YARA_FAILED',
        `${unread.length} line(s) of yara output not understood, first: ${unread[0].slice(0, 200)}`,
        {},
      ),
    });
  }
  return { matches, problems };
}

/** Runs yara once over all the files (a scan list), never following links; matches by file. */
export async function scanWithYara(
  rules: CompiledRules,
  files: readonly string[],
  hooks: WorkHooks = {},
): Promise<Map<string, YaraMatchJson[]>> {
  const { matches, problems } = await runYara(rules, files, objectReader);
  for (const p of problems) hooks.onProblem?.(p.problem);
  return matches;
}

/**
 * Starts yara over the walked files that are not over the size limit, to run while the workers
 * read them (`yaraOfRead` then keeps what concerns the files that were read). Files refused on
 * reading are thus scanned for nothing, but the scan no longer waits for the reading. yara scans
 * with the cores the `readers` (threads reading samples meanwhile) leave, at least one: on a
 * machine they fill, more yara threads only add their own overhead (on 2 cores, `-p 2` cost
 * 0.74-0.95 s of CPU against 0.60-0.76 s for `-p 1` over the bench's 5,000 files).
 */
function yaraAlongside<M>(
  rules: CompiledRules,
  walk: { files: readonly string[]; sizes: readonly number[] },
  maxSize: number,
  reading: YaraReading<M>,
  signal: AbortSignal,
  actors: RuleActors | undefined,
  readers: number,
  onFile?: YaraFileSeen<M>,
): Promise<YaraScan<M>> {
  const scan = runYara(
    rules,
    walk.files.filter((_, i) => walk.sizes[i] <= maxSize),
    reading,
    signal,
    // yara prints only matches: its first output says the rules' actors will be wanted.
    actors === undefined ? undefined : () => setImmediate(() => actors.prepare()),
    Math.min(8, Math.max(1, os.availableParallelism() - readers)),
    onFile,
  );
  // Awaited once the files are read; until then a failure must not count as unhandled.
  scan.catch(() => undefined);
  return scan;
}

/** The threads that read samples while yara runs: the workers started and the main thread. */
function readerThreads(request: SampleRequest, workers: SampleWorkers | undefined): number {
  return workers === undefined ? 1 : (request.workers ?? Math.min(8, Math.max(1, os.availableParallelism())));
}

/** The scan's matches of the files that were read, its problems about them (or about no file) reported. */
function yaraOfRead<M>(scan: YaraScan<M>, read: ReadonlySet<string>, hooks: WorkHooks): Map<string, M[]> {
  for (const p of scan.problems) if (p.file === undefined || read.has(p.file)) hooks.onProblem?.(p.problem);
  for (const file of [...scan.matches.keys()]) if (!read.has(file)) scan.matches.delete(file);
  return scan.matches;
}

/** The shared corpus' rule folders (tests and analysts point $CAIRN_CORPUS at it). */
export function corpusRuleFolders(): string[] {
  const root =
    process.env.CAIRN_CORPUS ?? path.resolve(DEFAULT_INTEL_CORPUS, '..', '..', '..', 'shared', 'data');
  const folders = [path.join(root, 'intel', 'yara'), path.join(root, 'intel', 'iocs', 'eset')];
  const present = folders.filter((f) => existsSync(f));
  if (present.length === 0)
    throw new CairnError('SAMPLE_YARA_RULES', `no corpus rules under ${root} (set CAIRN_CORPUS)`, {
      file: root,
    });
  return present;
}

/**
 * The rules' actors of one run, their data loaded once: `prepare()` as soon as yara reports a
 * match, while the workers still read the files (the main thread is idle then), else when the
 * matches are annotated.
 */
class RuleActors {
  private loaded: { resolver: RuleActorResolver | CairnError } | { error: unknown } | undefined;
  /** The actors of each rule and metadata seen (`rule\0meta JSON`), with their JSON text. */
  private readonly found = new Map<string, { actors: YaraMatchJson['actors']; json: string }>();
  private reported = false;

  prepare(): void {
    if (this.loaded !== undefined) return;
    try {
      this.loaded = { resolver: loadRuleActors() };
    } catch (error) {
      // Thrown where the matches are annotated, not from the timer that prepared it.
      this.loaded = { error };
    }
  }

  /**
   * The actors the match's rule names, and their JSON text; undefined when there are no bundled
   * actors to resolve with (reported once).
   */
  of(
    m: Omit<RuleMatch, 'actors'>,
    hooks: WorkHooks,
  ): { actors: YaraMatchJson['actors']; json: string } | undefined {
    this.prepare();
    const loaded = this.loaded!;
    if ('error' in loaded) throw loaded.error;
    const { resolver } = loaded;
    if (resolver instanceof CairnError) {
      if (!this.reported) hooks.onProblem?.(resolver);
      this.reported = true;
      return undefined;
    }
    const key = `${m.rule}\u0000${JSON.stringify(m.meta)}`;
    let found = this.found.get(key);
    if (found === undefined) {
      const actors = resolver.resolve(m.rule, m.meta);
      this.found.set(key, (found = { actors, json: JSON.stringify(actors) }));
    }
    return found;
  }

  /** Adds to each match the actors its rule names. */
  annotate(matchLists: Iterable<readonly RuleMatch[]>, hooks: WorkHooks): void {
    for (const list of matchLists)
      for (const m of list) {
        const found = this.of(m, hooks);
        if (found === undefined) return;
        m.actors = found.actors;
      }
  }
}

export { readSample } from './sample-read.js';
export {
  DEFAULT_MAX_SAMPLE_SIZE,
  SAMPLE_FILES_LABEL,
  SAMPLE_WORKER_MIN_FILES,
  sampleFileLines,
  walkSamplePaths,
  type SampleLines,
  type SampleWrite,
} from './sample-files.js';
export { SampleInput } from './sample-input.js';

/** The rule folders a request names: --rules, and the corpus' with --corpus-rules. */
function ruleSourcesOf(request: SampleRequest): string[] {
  return [
    ...(request.rules === undefined
      ? []
      : typeof request.rules === 'string'
        ? [request.rules]
        : request.rules),
    ...(request.corpusRules ? corpusRuleFolders() : []),
  ];
}

/** Reads every file the paths name; problems are reported through hooks and kept in the result. */
export async function sampleFiles(
  input: SampleInput,
  hooks: WorkHooks = {},
  options: { clock?: Clock } = {},
): Promise<SampleResult> {
  const request = parseSampleInput(input);
  const victimNaming = victimRegex(request.victimNaming);
  let compiled: CompiledRules | undefined;
  const ruleSources = ruleSourcesOf(request);
  // Started first: the threads load while yarac compiles and the folders are walked.
  const workers = startSampleWorkers(request);
  const abort = new AbortController();
  // Compiled while the folders are walked.
  const compiling = ruleSources.length > 0 ? compileYaraRules(ruleSources, hooks) : undefined;
  compiling?.catch(() => undefined);
  try {
    const walk = walkSamplePaths(request.paths);
    if (compiling !== undefined) compiled = await compiling;
    const { files, refused } = walk;
    for (const r of refused) if (r.error) hooks.onProblem?.(problemOf(r.error));
    const actors = request.ruleActors ? new RuleActors() : undefined;
    const scan =
      compiled !== undefined
        ? yaraAlongside(
            compiled,
            walk,
            request.maxSize,
            objectReader,
            abort.signal,
            actors,
            readerThreads(request, workers),
          )
        : undefined;
    const results: SampleFileJson[] = new Array<SampleFileJson>(files.length);
    await readSampleFiles(
      files,
      request,
      victimNaming,
      false,
      hooks,
      (reply) => {
        results[reply.index] = reply.result!;
      },
      workers,
    );
    if (scan !== undefined) {
      const read = new Set(results.filter((r) => r.facts !== undefined).map((r) => r.file));
      const matches = yaraOfRead(await scan, read, hooks);
      for (const r of results) if (r.facts !== undefined) r.yara = matches.get(r.file) ?? [];
      if (actors !== undefined && matches.size > 0) actors.annotate(matches.values(), hooks);
    }
    const all = [...refused, ...results];
    let written: SampleResult['case'];
    if (request.caseName !== undefined) {
      written = await addToStoreCase(
        request.caseName,
        request.db,
        sampleCaseValues(all),
        options.clock ?? systemClock,
      );
    } else if (request.caseFile !== undefined) {
      written = writeCaseFile(request.caseFile, sampleCaseRows(all));
    }
    return {
      ...(written !== undefined ? { case: written } : {}),
      files: all,
      read: results.filter((r) => r.facts !== undefined).length,
      refused: all.filter((r) => r.error !== undefined).length,
      bytes: results.reduce((s, r) => s + (r.facts?.size ?? 0), 0),
      ...(compiled !== undefined
        ? { rules: { source: compiled.source, files: compiled.files, engine: compiled.engine } }
        : {}),
    };
  } catch (error) {
    abort.abort();
    throw error;
  } finally {
    // Rules still compiling when the walk failed are removed once compiled.
    if (compiled !== undefined) compiled.dispose();
    else
      void compiling?.then(
        (c) => c.dispose(),
        () => undefined,
      );
    await workers?.close();
  }
}

/** `JSON.stringify` of the match as `sampleFiles` holds it (strings, then actors, last). */
function matchText(match: YaraMatchText & Pick<YaraMatchJson, 'actors'>): string {
  const { stringsJson, actors, ...head } = match;
  const tail = actors !== undefined ? `,"actors":${JSON.stringify(actors)}` : '';
  return `${JSON.stringify(head).slice(0, -1)},"strings":${stringsJson}${tail}}`;
}

/**
 * `sampleFileLines` with YARA rules and no case: the workers make each file's JSON text as without
 * rules, yara runs alongside them, and its matches are spliced in as the entry's last key, so the
 * text is what `JSON.stringify` of `sampleFiles`' entry gives, without rebuilding the entries here.
 */
export async function sampleRuleLines(
  request: SampleRequest,
  hooks: WorkHooks = {},
  started?: SampleWorkers,
): Promise<SampleLines> {
  return ruleRun(
    request,
    hooks,
    started,
    true,
    textReader,
    async ({ files, refused, actors, scan, read: readFiles, rules }) => {
      const lines = new Array<string>(files.length);
      const wasRead = new Array<boolean>(files.length).fill(false);
      let bytes = 0;
      const onReply = (reply: SampleWorkerReply): void => {
        lines[reply.index] = reply.json!;
        if (reply.size !== undefined) {
          wasRead[reply.index] = true;
          bytes += reply.size;
        }
      };
      await readFiles(onReply);
      const read = new Set(files.filter((_, i) => wasRead[i]));
      const matches = yaraOfRead(await scan, read, hooks);
      if (actors !== undefined && matches.size > 0) actors.annotate(matches.values(), hooks);
      for (let i = 0; i < files.length; i++) {
        // The entry's JSON ends with the facts object's closing brace and its own.
        if (wasRead[i])
          lines[i] =
            `${lines[i].slice(0, -1)},"yara":[${(matches.get(files[i]) ?? []).map(matchText).join(',')}]}`;
      }
      const readCount = wasRead.filter(Boolean).length;
      return {
        lines: [...refused.map((r) => JSON.stringify(r)), ...lines],
        read: readCount,
        refused: refused.length + files.length - readCount,
        bytes,
        rules,
      };
    },
  );
}

/** What `ruleRun` hands its body: the walk, the rules' actors, yara's scan started, and the reading to do. */
interface RuleRun<M> {
  files: readonly string[];
  refused: readonly SampleFileJson[];
  actors: RuleActors | undefined;
  scan: Promise<YaraScan<M>>;
  /**
   * Sets what is told of each file yara starts printing matches for, while it runs (only when it
   * scans with one thread, which prints the files in order: see `YaraFrontier`).
   */
  onYaraFile: (listener: YaraFileSeen<M>) => void;
  /** Reads the files (in the workers started first), each reply to `onReply`. */
  read: (onReply: (reply: SampleWorkerReply) => void) => Promise<void>;
  rules: NonNullable<SampleLines['rules']>;
}

/**
 * A run with rules and no case: the workers started (unless `started` already were; replying in
 * `form`), the rules compiled, the paths walked (refusals reported) and yara started alongside;
 * `body` reads the files and makes the result. Aborts yara when it throws; removes the compiled
 * rules and closes the workers.
 */
async function ruleRun<M, R>(
  request: SampleRequest,
  hooks: WorkHooks,
  started: SampleWorkers | undefined,
  form: SampleReplyForm,
  reading: YaraReading<M>,
  body: (run: RuleRun<M>) => Promise<R>,
): Promise<R> {
  const victimNaming = victimRegex(request.victimNaming);
  const workers = started ?? startSampleWorkers(request);
  let compiled: CompiledRules | undefined;
  const abort = new AbortController();
  // Compiled while the folders are walked.
  const compiling = compileYaraRules(ruleSourcesOf(request), hooks);
  compiling.catch(() => undefined);
  try {
    const walk = walkSamplePaths(request.paths);
    compiled = await compiling;
    const { files, refused } = walk;
    for (const r of refused) if (r.error) hooks.onProblem?.(problemOf(r.error));
    const actors = request.ruleActors ? new RuleActors() : undefined;
    let onYaraFile: YaraFileSeen<M> | undefined;
    const scan = yaraAlongside(
      compiled,
      walk,
      request.maxSize,
      reading,
      abort.signal,
      actors,
      readerThreads(request, workers),
      (file, matches) => onYaraFile?.(file, matches),
    );
    return await body({
      files,
      refused,
      actors,
      scan,
      onYaraFile: (listener) => (onYaraFile = listener),
      read: (onReply) => readSampleFiles(files, request, victimNaming, form, hooks, onReply, workers),
      rules: { source: compiled.source, files: compiled.files, engine: compiled.engine },
    });
  } catch (error) {
    abort.abort();
    throw error;
  } finally {
    // Rules still compiling when the walk failed are removed once compiled.
    if (compiled !== undefined) compiled.dispose();
    else
      void compiling?.then(
        (c) => c.dispose(),
        () => undefined,
      );
    await workers?.close();
  }
}

/**
 * `writeSampleLines` with YARA rules and no case (`intel sample --json --rules`): the lines
 * `sampleRuleLines` makes, written as UTF-8 without a string of the whole. Each entry's line is
 * joined from its halves (as without rules), the matched strings' JSON text stays the bytes yara's
 * output was read into (`YaraOutputBytesReader`), and the lines are written in order as soon as
 * yara is past their file (with one scanning thread: `YaraFrontier`) or has ended, and the lines
 * before them are written; nothing is written when yara fails before printing anything.
 */
export async function writeRuleLines(
  request: SampleRequest,
  write: SampleWrite,
  hooks: WorkHooks = {},
  started?: SampleWorkers,
): Promise<Omit<SampleLines, 'lines'>> {
  return ruleRun(
    request,
    hooks,
    started,
    true,
    bytesReader,
    async ({ files, refused, actors, scan, onYaraFile, read: readFiles, rules }) => {
      const out = new ByteSink(write);
      // The files' lines as their halves are joined, not always in order.
      const waiting = new Array<string | undefined>(files.length);
      const wasRead = new Array<boolean>(files.length).fill(false);
      /** The matches read so far (complete for the files before `frontier.passed`), then all. */
      let matches: ReadonlyMap<string, YaraMatchBytes[]> | undefined;
      let yaraDone = false;
      const frontier = new YaraFrontier(files);
      let begun = false;
      let next = 0;
      let bytes = 0;
      /** What writing failed with: thrown once the files are read, nothing more written. */
      let failure: { error: unknown } | undefined;
      const writeLine = (i: number, line: string): void => {
        if (!wasRead[i]) return out.text(line + '\n');
        // The entry's JSON ends with the facts object's closing brace and its own.
        out.text(line.slice(0, -1));
        out.text(',"yara":[');
        let first = true;
        for (const m of matches!.get(files[i]) ?? []) {
          const { stringsUtf8, ...head } = m;
          const named = actors?.of(m, hooks);
          out.text(`${first ? '' : ','}${JSON.stringify(head).slice(0, -1)},"strings":`);
          out.bytes(stringsUtf8);
          out.text(named !== undefined ? `,"actors":${named.json}}` : '}');
          first = false;
        }
        out.text(']}\n');
      };
      /** The walk's refusals, the first lines, once yara has printed something or ended. */
      const begin = (): void => {
        if (begun) return;
        begun = true;
        for (const r of refused) out.text(JSON.stringify(r) + '\n');
      };
      // Each line goes out once yara is past its file (or has ended) and the lines before it are out.
      const flush = (): void => {
        if (matches === undefined || failure !== undefined) return;
        try {
          for (
            let line = waiting[next];
            line !== undefined && (yaraDone || next < frontier.passed);
            line = waiting[++next]
          ) {
            begin();
            waiting[next] = undefined;
            writeLine(next, line);
          }
        } catch (error) {
          failure = { error };
        }
      };
      onYaraFile((file, soFar) => {
        if (!frontier.file(file)) return;
        matches = soFar;
        flush();
      });
      scan.then(
        (done) => {
          matches = done.matches;
          yaraDone = true;
          try {
            begin();
          } catch (error) {
            failure = { error };
          }
          flush();
        },
        () => undefined,
      );
      const onReply = (reply: SampleWorkerReply): void => {
        waiting[reply.index] = reply.json!;
        if (reply.size !== undefined) {
          wasRead[reply.index] = true;
          bytes += reply.size;
        }
        flush();
      };
      await readFiles(onReply);
      const read = new Set(files.filter((_, i) => wasRead[i]));
      const readCount = wasRead.filter(Boolean).length;
      const done = await scan;
      flush();
      if (failure !== undefined) throw failure.error;
      if (frontier.disorder !== undefined) {
        throw new CairnError(
          'SAMPLE_YARA_FAILED',
          `yara printed matches of ${frontier.disorder} after those of a file listed after it; the lines written before may lack them`,
          { file: frontier.disorder },
        );
      }
      yaraOfRead(done, read, hooks);
      if (refused.length + files.length === 0) out.text('\n');
      out.flush();
      return {
        read: readCount,
        refused: refused.length + files.length - readCount,
        bytes,
        rules,
      };
    },
  );
}

/**
 * Which files yara has finished with, so that their lines can be written while it still runs.
 * yara scanning with one thread takes its scan list in order (the walk's order, which the list
 * keeps) and prints a file's matches together, so once a header names the walk's file k, every
 * file before k has all its matches read. A path walked twice cannot be placed: the frontier then
 * stays at 0 (lines wait for yara's end). A header for a file before the frontier is yara's order
 * broken: `disorder` names the file, the lines before may have gone out without its matches.
 */
export class YaraFrontier {
  private readonly indexOf: Map<string, number> | undefined;
  /** Every file before this index (in `files`) has all its matches read. */
  passed = 0;
  disorder: string | undefined;

  constructor(files: readonly string[]) {
    const indexOf = new Map(files.map((f, i) => [f, i]));
    this.indexOf = indexOf.size === files.length ? indexOf : undefined;
  }

  /** yara starts printing the matches of `file`: true when the frontier moved. */
  file(file: string): boolean {
    const k = this.indexOf?.get(file);
    if (k === undefined) return false;
    if (k < this.passed) {
      this.disorder ??= file;
      return false;
    }
    if (k === this.passed) return false;
    this.passed = k;
    return true;
  }
}

/** One value of a case built from samples: an indicator type intel reads, and where it came from. */
export interface SampleCaseRow {
  type: IndicatorType;
  value: string;
  comment: string;
}

/**
 * The values of the samples that correlation can use, each once: exact and fuzzy hashes, imphash,
 * Rich header hash, YARA rule names and the network strings (credentials are not indicators and
 * stay in the sample report).
 */
export function sampleCaseRows(files: readonly SampleFileJson[]): SampleCaseRow[] {
  return sampleCaseValues(files).map(({ type, value, comment }) => ({ type, value, comment }));
}

/** CSV with a `type,value,comment` header, the case format `intel show|similar|attribute` read. */
export function sampleCaseCsv(rows: readonly SampleCaseRow[], header = true): string {
  const cell = (v: string): string =>
    /[",\r\n]/.test(v) ? `"${v.replace(/[\r\n]+/g, ' ').replace(/"/g, '""')}"` : v;
  const lines = rows.map((r) => [r.type, r.value, r.comment].map(cell).join(','));
  return (
    [...(header ? ['type,value,comment'] : []), ...lines].join('\n') +
    (lines.length > 0 || header ? '\n' : '')
  );
}

/** `type\0value` of the rows a case file already holds (first two columns under its header). */
function caseFileKeys(text: string): Set<string> {
  const keys = new Set<string>();
  for (const line of text.split('\n').slice(1)) {
    const cells = splitCsvLine(line.replace(/\r$/, ''), ',');
    if (cells !== undefined && cells.length >= 2)
      keys.add(`${cells[0].trim().toLowerCase()}\u0000${cells[1].trim()}`);
  }
  return keys;
}

/** Writes the case file, or appends to it the rows it does not hold yet. */
function writeCaseFile(file: string, rows: readonly SampleCaseRow[]): NonNullable<SampleResult['case']> {
  const fail = (error: unknown): CairnError =>
    new CairnError('SAMPLE_BAD_OPTION', `cannot write the case file ${file}: ${(error as Error).message}`, {
      file,
      field: 'caseFile',
    });
  let existing: string | undefined;
  try {
    existing = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  } catch (error) {
    throw fail(error);
  }
  if (existing !== undefined && !/^type,value(,|\r?\n|$)/i.test(existing)) {
    throw new CairnError(
      'SAMPLE_BAD_OPTION',
      `${file} is not a case file written by intel sample (no type,value header); not extended`,
      { file, field: 'caseFile' },
    );
  }
  const held = existing === undefined ? new Set<string>() : caseFileKeys(existing);
  const fresh = rows.filter((r) => !held.has(`${r.type}\u0000${r.value}`));
  try {
    if (existing === undefined) writeFileSync(file, sampleCaseCsv(fresh));
    else if (fresh.length > 0)
      appendFileSync(file, (existing.endsWith('\n') ? '' : '\n') + sampleCaseCsv(fresh, false));
  } catch (error) {
    throw fail(error);
  }
  return { name: path.basename(file), file, values: rows.length, added: fresh.length };
}

/**
 * Adds the values to the case `name` of the store, in one transaction recorded as one intel file
 * (its hash is that of the objects, so the same samples added twice write nothing the second time).
 */
async function addToStoreCase(
  name: string,
  db: string | undefined,
  values: readonly SampleCaseValue[],
  clock: Clock,
): Promise<NonNullable<SampleResult['case']>> {
  // Loaded here, not at the top: worker threads load this module and never need the store.
  const { openCairnStore } = await import('./ingest.js');
  const { defaultStorePath } = await import('../store/index.js');
  const file = db ?? defaultStorePath(process.env, os.homedir());
  const store = await openCairnStore(file);
  try {
    const id = sampleCaseId(name);
    const known = new Set<string>();
    if ((await store.evidence(id)) !== undefined) {
      for (const v of values)
        if ((await store.evidence(sampleValueId(id, v.type, v.value))) !== undefined)
          known.add(`${v.type}\u0000${v.value}`);
    }
    const graph = new EvidenceGraph();
    const source = `cairn intel sample --case ${name}`;
    const report = addSampleValues(graph, name, values, { file: source });
    const objects: EvidenceObject[] = [...graph.sources, ...graph.cases, ...graph.indicators];
    const hash = createHash('sha256').update(JSON.stringify(objects)).digest('hex');
    await store.importEvidence(
      {
        hash,
        kind: 'intel',
        path: source,
        size: 0,
        records: objects.length,
        problemCount: report.issueCount,
        problems: report.issues.slice(0, 20).map((p) => p.message),
        ingestedAt: Math.floor(clock.now() / 1000),
      },
      objects,
    );
    return {
      name,
      db: file,
      id,
      values: graph.indicators.length,
      added: graph.indicators.filter((i) => !known.has(`${i.type}\u0000${i.value}`)).length,
    };
  } finally {
    await store.close();
  }
}

/**
 * Copies a stream (a face's stdin: `intel sample --json DIR | intel attribute --case -`) to a
 * private temporary file that the case readers take like any case file; dispose() removes it.
 * At most `maxBytes` are kept (SAMPLE_TOO_LARGE past that).
 */
export async function spoolCaseStream(
  stream: AsyncIterable<Uint8Array | string>,
  maxBytes = DEFAULT_MAX_SAMPLE_SIZE,
): Promise<{ file: string; dispose(): void }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk);
    size += b.length;
    if (size > maxBytes)
      throw new CairnError('SAMPLE_TOO_LARGE', `the case on stdin is over ${maxBytes} bytes`, {
        file: '-',
        offset: maxBytes,
      });
    chunks.push(b);
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cairn-case-'));
  const file = path.join(dir, 'stdin');
  writeFileSync(file, Buffer.concat(chunks), { mode: 0o600 });
  return { file, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
