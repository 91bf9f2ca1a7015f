/**
 * The resolver of YARA rules to actors (`RuleActorResolver`) over the bundled ATT&CK and MISP
 * threat actors, kept derived on disk: building it imports 14 MB of ATT&CK JSON and the MISP
 * galaxy (some 300-400 ms of CPU, on the main thread of `intel sample --rules` while the workers
 * read the files), while what it resolves with, the actors' names and the title phrases, is some
 * hundreds of KB of JSON read in a few ms. The derived file is valid for the data files and the
 * code that derive it: its key holds the data files' path, size, modification time and inode, and
 * those of every file of the intel module (src/intel or dist/intel) and of this file, so a changed
 * data file or a rebuilt intel module derives it again. It lives in the user's cache folder beside
 * `intel fetch`'s mirror ($XDG_CACHE_HOME/cairn/derived, else ~/.cache/cairn/derived), one file
 * per key (named by its digest; the 8 most recently written are kept), written whole (a temporary
 * file renamed, mode 0600); one that cannot be read, written or understood is derived again, never
 * an error.
 *
 * @example
 * const resolver = loadRuleActors(); // RuleActorResolver, or a CairnError when no data is bundled
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { threadId } from 'node:worker_threads';
import { CairnError } from '../errors/index.js';
import {
  EvidenceGraph,
  RuleActorResolver,
  importAttack,
  importMispGalaxy,
  type RuleActorState,
} from '../intel/index.js';
import { DEFAULT_INTEL_CORPUS } from './defaults.js';

/** The bundled files the resolver is derived from, under the intel corpus folder. */
const ATTACK_FILE = 'attack/enterprise-attack-18.1-subset.json.gz';
const MISP_ACTORS_FILE = 'misp-galaxy/clusters/threat-actor.json.gz';
/** The derived file's format; another format is derived again. */
const FORMAT = 1;

/** $XDG_CACHE_HOME/cairn/derived, else ~/.cache/cairn/derived. */
export function defaultDerivedDir(
  env: Readonly<Record<string, string | undefined>> = process.env,
  homeDir: string = os.homedir(),
): string {
  const cache =
    env.XDG_CACHE_HOME !== undefined && env.XDG_CACHE_HOME !== ''
      ? env.XDG_CACHE_HOME
      : path.join(homeDir, '.cache');
  return path.join(cache, 'cairn', 'derived');
}

/** `path\0size\0mtime\0inode` of a file, or `path\0-` when it cannot be looked at. */
function identity(file: string): string {
  try {
    const info = statSync(file);
    return `${file}\0${info.size}\0${info.mtimeMs}\0${info.ino}`;
  } catch {
    return `${file}\0-`;
  }
}

/** The code that derives the resolver: every file of the intel module (as run: .js or .ts) and this one. */
function codeFiles(): string[] {
  const self = fileURLToPath(import.meta.url);
  const ext = path.extname(self);
  const intel = path.join(path.dirname(self), '..', 'intel');
  let names: string[];
  try {
    names = readdirSync(intel, { recursive: true, encoding: 'utf8' });
  } catch {
    names = [];
  }
  const code = names
    .filter((n) => n.endsWith(ext) && !n.endsWith(`.test${ext}`) && !n.endsWith(`.d${ext}`))
    .sort()
    .map((n) => path.join(intel, n));
  return [self, ...code];
}

/** The key a derived file must hold to be used: the format, the data files' and the code's identities. */
function derivedKey(corpus: string): string {
  return [
    `format ${FORMAT}`,
    ...[ATTACK_FILE, MISP_ACTORS_FILE].map((f) => identity(path.join(corpus, f))),
    ...codeFiles().map(identity),
  ].join('\n');
}

/** The state a derived file keeps under `key`, or undefined when it is absent, another key's or not understood. */
function readDerived(file: string, key: string): RuleActorState | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object') return undefined;
  const { key: stored, state } = parsed as { key?: unknown; state?: unknown };
  if (stored !== key || state === null || typeof state !== 'object') return undefined;
  const { actors, phrases } = state as Partial<RuleActorState>;
  return Array.isArray(actors) && Array.isArray(phrases) ? { actors, phrases } : undefined;
}

/**
 * Makes `dir` and its missing parents one by one: `mkdirSync`'s `recursive` loops for ever where
 * a folder cannot be made and the error is ENOENT (under /proc, Node 20), which would hang the run.
 */
function makeFolders(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d) && path.dirname(d) !== d; d = path.dirname(d)) missing.push(d);
  for (const d of missing.reverse()) mkdirSync(d, { mode: 0o700 });
}

/** Writes the derived file whole (a temporary file renamed); a failure leaves it to be derived next time. */
function writeDerived(file: string, key: string, state: RuleActorState): void {
  // Threads of one process write it too (test workers): the name is the writer's own.
  const temporary = `${file}.${process.pid}.${threadId}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    makeFolders(path.dirname(file));
    writeFileSync(temporary, JSON.stringify({ key, state }), { mode: 0o600 });
    renameSync(temporary, file);
  } catch {
    // A cache that cannot be written costs the next run the derivation, nothing else.
  }
}

/** The resolver built from the bundled files, or why there is none. */
function deriveRuleActors(corpus: string): RuleActorResolver | CairnError {
  const graph = new EvidenceGraph();
  const read = (rel: string): Uint8Array | undefined => {
    const file = path.join(corpus, rel);
    return existsSync(file) ? readFileSync(file) : undefined;
  };
  const attackBytes = read(ATTACK_FILE);
  // Names are all a rule resolves through: ATT&CK's techniques (nine in ten objects) are left out.
  const attack =
    attackBytes === undefined
      ? undefined
      : importAttack(graph, attackBytes, { file: 'attack', techniques: false }).index;
  const actors = read(MISP_ACTORS_FILE);
  if (actors !== undefined) importMispGalaxy(graph, actors, { file: MISP_ACTORS_FILE });
  if (attack === undefined && actors === undefined)
    return new CairnError('SAMPLE_YARA_RULES', 'no bundled actors to resolve rules to', { file: corpus });
  return new RuleActorResolver(graph, attack);
}

/**
 * The resolver of rules to actors over the bundled ATT&CK and MISP threat actors, or why there is
 * none: read from the derived file when it was derived from these files by this code, else built
 * and the derived file written. `cacheDir: null` neither reads nor writes one.
 */
export function loadRuleActors(
  options: { corpus?: string; cacheDir?: string | null } = {},
): RuleActorResolver | CairnError {
  const corpus = options.corpus ?? DEFAULT_INTEL_CORPUS;
  const dir = options.cacheDir === undefined ? defaultDerivedDir() : options.cacheDir;
  if (dir === null) return deriveRuleActors(corpus);
  const key = derivedKey(corpus);
  const file = derivedFile(dir, key);
  const state = readDerived(file, key);
  if (state !== undefined) return new RuleActorResolver(state);
  const resolver = deriveRuleActors(corpus);
  if (resolver instanceof RuleActorResolver) {
    writeDerived(file, key, resolver.state());
    pruneDerived(dir, file);
  }
  return resolver;
}

/**
 * The derived file for `key`: named by a digest of the key, so that builds or corpora used in
 * turns (two installs, a checkout beside a release) each keep theirs instead of deriving again
 * over one another's on every run.
 */
function derivedFile(dir: string, key: string): string {
  return path.join(dir, `rule-actors-${createHash('sha256').update(key).digest('hex').slice(0, 16)}.json`);
}

/** Derived files kept: the most recently written, beside the one just written. */
const KEEP_DERIVED = 8;

/** Removes derived files beyond the KEEP_DERIVED most recently written (a failure is left alone). */
function pruneDerived(dir: string, written: string): void {
  try {
    const files = readdirSync(dir)
      .filter((name) => /^rule-actors(-[0-9a-f]{16})?\.json$/.test(name))
      .map((name) => path.join(dir, name))
      .filter((file) => file !== written)
      .map((file) => ({ file, mtime: statSync(file).mtimeMs }))
      .sort((a, b) => b.mtime - a.mtime);
    for (const { file } of files.slice(KEEP_DERIVED - 1)) unlinkSync(file);
  } catch {
    // Another process pruning at the same time, or a folder that cannot be listed: nothing lost.
  }
}
