import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RuleActorResolver } from '../intel/index.js';
import { DEFAULT_INTEL_CORPUS } from './defaults.js';
import { defaultDerivedDir, loadRuleActors } from './rule-actor-cache.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'cairn-rule-actors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A corpus folder with copies of the bundled files the resolver is derived from. */
function corpusCopy(name: string): string {
  const corpus = path.join(dir, name);
  for (const rel of [
    'attack/enterprise-attack-18.1-subset.json.gz',
    'misp-galaxy/clusters/threat-actor.json.gz',
  ]) {
    mkdirSync(path.dirname(path.join(corpus, rel)), { recursive: true });
    copyFileSync(path.join(DEFAULT_INTEL_CORPUS, rel), path.join(corpus, rel));
  }
  return corpus;
}

/** The derived files in `cacheDir` (one per key). */
const derivedFiles = (cacheDir: string): string[] =>
  existsSync(cacheDir)
    ? readdirSync(cacheDir)
        .filter((name) => /^rule-actors-[0-9a-f]{16}\.json$/.test(name))
        .map((name) => path.join(cacheDir, name))
    : [];

const resolved = (r: RuleActorResolver | Error): ReturnType<RuleActorResolver['resolve']> => {
  if (!(r instanceof RuleActorResolver)) throw r;
  return r.resolve('Lazarus_Group_loader', {
    description: 'APT28 and WannaCry',
    campaign: 'Operation Dream Job',
  });
};

describe('loadRuleActors: the rules-to-actors resolver kept derived on disk', () => {
  /** What the resolver derived from the bundled data, without a derived file, resolves. */
  const want = resolved(loadRuleActors({ cacheDir: null }));

  it('derives, writes the file, then reads it back while the data and the code are unchanged', () => {
    const corpus = corpusCopy('a');
    const cacheDir = path.join(dir, 'cache-a');
    expect(want.map((a) => a.id)).toEqual(expect.arrayContaining(['G0007', 'G0032']));
    expect(existsSync(cacheDir)).toBe(false);
    expect(resolved(loadRuleActors({ corpus, cacheDir }))).toEqual(want);
    expect(derivedFiles(cacheDir)).toHaveLength(1);
    const file = derivedFiles(cacheDir)[0]!;
    const stored = JSON.parse(readFileSync(file, 'utf8')) as {
      key: string;
      state: { actors: Array<[string, string]> };
    };
    expect(stored.key).toContain(path.join(corpus, 'attack/enterprise-attack-18.1-subset.json.gz'));
    expect(resolved(loadRuleActors({ corpus, cacheDir }))).toEqual(want);
    // The file is what is read: a name changed in it shows (the key still matches).
    const lazarus = stored.state.actors.findIndex(([, id]) => id === 'G0032');
    stored.state.actors[lazarus][0] = 'Renamed in the file';
    writeFileSync(file, JSON.stringify(stored));
    const fromFile = resolved(loadRuleActors({ corpus, cacheDir }));
    expect(fromFile.find((a) => a.id === 'G0032')?.actor).toBe('Renamed in the file');
    // A data file touched: derived again from the data, and the file rewritten.
    const attack = path.join(corpus, 'attack/enterprise-attack-18.1-subset.json.gz');
    utimesSync(attack, new Date(2020, 0, 1), new Date(2020, 0, 1));
    expect(resolved(loadRuleActors({ corpus, cacheDir }))).toEqual(want);
    // Its key changed, so its file is another one, derived from the data.
    const files = derivedFiles(cacheDir);
    expect(files).toHaveLength(2);
    expect(
      readFileSync(
        files.find((f) => f !== file)!,
        'utf8',
      ),
    ).not.toContain('Renamed in the file');
    expect(resolved(loadRuleActors({ corpus, cacheDir }))).toEqual(want);
  });

  it('derives again from a file it cannot understand, and works without a writable folder', () => {
    const corpus = corpusCopy('b');
    const cacheDir = path.join(dir, 'cache-b');
    expect(resolved(loadRuleActors({ corpus, cacheDir }))).toEqual(want);
    const file = derivedFiles(cacheDir)[0]!;
    for (const text of ['{"key":', '{"key":"other","state":{"actors":[],"phrases":[]}}']) {
      writeFileSync(file, text);
      expect(resolved(loadRuleActors({ corpus, cacheDir }))).toEqual(want);
      expect(readFileSync(file, 'utf8')).not.toBe(text);
    }
    // A folder that is a file: nothing written, the resolver still derived.
    const blocked = path.join(dir, 'blocked');
    writeFileSync(blocked, '');
    expect(resolved(loadRuleActors({ corpus, cacheDir: path.join(blocked, 'derived') }))).toEqual(want);
    // Where no folder can be made and the error is ENOENT (recursive mkdirSync would never return).
    if (existsSync('/proc/self'))
      expect(resolved(loadRuleActors({ corpus, cacheDir: '/proc/no-such/cairn/derived' }))).toEqual(want);
  });

  it('without the bundled files: an error, nothing written', () => {
    const cacheDir = path.join(dir, 'cache-c');
    const r = loadRuleActors({ corpus: path.join(dir, 'empty'), cacheDir });
    expect(r).toBeInstanceOf(Error);
    expect((r as Error).message).toMatch(/no bundled actors/);
    expect(derivedFiles(cacheDir)).toEqual([]);
  });

  it('keeps one file per key: corpora used in turns each read their own, and old ones are pruned', () => {
    const cacheDir = path.join(dir, 'cache-d');
    const [a, b] = [corpusCopy('d1'), corpusCopy('d2')];
    expect(resolved(loadRuleActors({ corpus: a, cacheDir }))).toEqual(want);
    const fileA = derivedFiles(cacheDir)[0]!;
    expect(resolved(loadRuleActors({ corpus: b, cacheDir }))).toEqual(want);
    expect(derivedFiles(cacheDir)).toHaveLength(2);
    // A's file is still what A reads after B wrote its own: a name changed in it shows.
    const stored = JSON.parse(readFileSync(fileA, 'utf8')) as { state: { actors: Array<[string, string]> } };
    const lazarus = stored.state.actors.findIndex(([, id]) => id === 'G0032');
    stored.state.actors[lazarus][0] = 'Renamed in A';
    writeFileSync(fileA, JSON.stringify(stored));
    expect(resolved(loadRuleActors({ corpus: a, cacheDir })).find((x) => x.id === 'G0032')?.actor).toBe(
      'Renamed in A',
    );
    // Old derived files (older than the 8 most recently written) are removed when one is written.
    for (let k = 0; k < 9; k++) {
      const old = path.join(cacheDir, `rule-actors-${k.toString(16).padStart(16, '0')}.json`);
      writeFileSync(old, '{}');
      utimesSync(old, new Date(2001, 0, 1 + k), new Date(2001, 0, 1 + k));
    }
    writeFileSync(path.join(cacheDir, 'unrelated.json'), '{}');
    utimesSync(
      a + '/attack/enterprise-attack-18.1-subset.json.gz',
      new Date(2021, 0, 1),
      new Date(2021, 0, 1),
    );
    expect(resolved(loadRuleActors({ corpus: a, cacheDir }))).toEqual(want);
    expect(derivedFiles(cacheDir)).toHaveLength(8);
    expect(existsSync(path.join(cacheDir, 'unrelated.json'))).toBe(true);
    expect(existsSync(path.join(cacheDir, `rule-actors-${'0'.repeat(16)}.json`))).toBe(false);
  });

  it('lives under $XDG_CACHE_HOME, else ~/.cache', () => {
    expect(defaultDerivedDir({ XDG_CACHE_HOME: '/x' }, '/home/u')).toBe('/x/cairn/derived');
    expect(defaultDerivedDir({ XDG_CACHE_HOME: '' }, '/home/u')).toBe('/home/u/.cache/cairn/derived');
    expect(defaultDerivedDir({}, '/home/u')).toBe('/home/u/.cache/cairn/derived');
  });
});
