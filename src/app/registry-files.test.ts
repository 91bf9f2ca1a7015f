/**
 * Opening registry files for registry (registry-files.ts): gzip told by magic bytes, unreadable,
 * corrupt and oversized files reported with their path, the real APNIC 2014 file as reference.
 */
import { copyFileSync, mkdtempSync, readFileSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, test } from 'vitest';
import { Registry } from '../registry/index.js';
import { loadAsNamesFile, loadRegistryFiles } from './registry-files.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const apnic2014 = path.resolve(here, '../../data/registry/delegated-apnic-20141009.gz');

/**
 * `actual` is another object than `other`. Not `expect(actual).not.toBe(other)`: vitest's toBe,
 * when the objects differ, deep-compares them to suggest another matcher, here two registries of
 * the whole APNIC file (seconds each).
 */
function expectAnother(actual: object, other: object): void {
  expect(actual === other, 'another object').toBe(false);
}

/** The same file parsed from text gunzipped here: what every way of reading it must give. */
let reference: Registry;
beforeAll(() => {
  reference = new Registry();
  reference.loadText(apnic2014, gunzipSync(readFileSync(apnic2014)).toString('utf8'));
});

describe('the loader', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cairn-registry-'));

  test('gzip is detected by magic bytes, not by name', async () => {
    const text = gunzipSync(readFileSync(apnic2014));
    const plainNamedGz = path.join(dir, 'plain-but-named.gz');
    const gzipNamedTxt = path.join(dir, 'gzip-but-named.txt');
    writeFileSync(plainNamedGz, text);
    writeFileSync(gzipNamedTxt, gzipSync(text));
    for (const file of [plainNamedGz, gzipNamedTxt]) {
      const { registry: r, problems } = await loadRegistryFiles([file]);
      expect(problems).toEqual([]);
      expect(r.countryOfAsn(131279)?.country).toBe('KP');
      expect(r.size).toEqual(reference.size);
    }
  });

  test('unreadable, corrupt and oversized files are problems; the other files still load', async () => {
    const corrupt = path.join(dir, 'corrupt.gz');
    writeFileSync(
      corrupt,
      Buffer.concat([readFileSync(apnic2014).subarray(0, 5000), Buffer.from('garbage')]),
    );
    const { registry: r, problems } = await loadRegistryFiles([
      path.join(dir, 'missing'),
      corrupt,
      dir,
      apnic2014,
    ]);
    expect(problems.map((p) => [p.code, p.location.file])).toEqual([
      ['REGISTRY_READ_FAILED', path.join(dir, 'missing')],
      ['REGISTRY_BAD_GZIP', corrupt],
      ['REGISTRY_READ_FAILED', dir],
    ]);
    expect(r.countryOfAsn(131279)?.country).toBe('KP');
    const tooLarge = await loadRegistryFiles([apnic2014], { maxBytes: 1_000_000 });
    expect(tooLarge.problems.map((p) => p.code)).toEqual(['REGISTRY_TOO_LARGE']);
  });

  test('the same unchanged files give the same registry, which refuses more files', async () => {
    const copy = path.join(dir, 'shared.gz');
    copyFileSync(apnic2014, copy);
    const first = await loadRegistryFiles([copy]);
    const again = await loadRegistryFiles([copy]);
    expect(again.registry).toBe(first.registry);
    expect(again.reports).toEqual(first.reports);
    expect(() => first.registry.loadText('more', 'anything')).toThrow(
      expect.objectContaining({ code: 'REGISTRY_SHARED' }),
    );
    // Other options, or the file rewritten (another modification time), are another load.
    expectAnother((await loadRegistryFiles([copy], { maxProblems: 5 })).registry, first.registry);
    utimesSync(copy, new Date(2001, 0, 1), new Date(2001, 0, 1));
    const rewritten = await loadRegistryFiles([copy]);
    expectAnother(rewritten.registry, first.registry);
    expect(rewritten.registry.size).toEqual(reference.size);
    // A file replaced by another of the same size and time (a download renamed into place) has
    // another inode, so it is another load too.
    const replaced = path.join(dir, 'replacement.gz');
    copyFileSync(apnic2014, replaced);
    utimesSync(replaced, new Date(2001, 0, 1), new Date(2001, 0, 1));
    renameSync(replaced, copy);
    expectAnother((await loadRegistryFiles([copy])).registry, rewritten.registry);
  });
});

describe('AS names', () => {
  test('a missing file: one problem, an empty set, no exception', async () => {
    const missing = await loadAsNamesFile(path.join(here, 'no-such-file.json'));
    expect(missing.size).toBe(0);
    expect(missing.problems.map((p) => p.code)).toEqual(['REGISTRY_READ_FAILED']);
  });

  test('the bundled names, gzip, read as the registry module parses them', async () => {
    const names = await loadAsNamesFile(path.resolve(here, '../../data/registry/asnames.json.gz'));
    expect(names.problems).toEqual([]);
    expect(names.get(131279)?.name).toBe('STAR-KP');
    // Names cannot change once read: an unchanged file gives the same set again.
    expect(await loadAsNamesFile(path.resolve(here, '../../data/registry/asnames.json.gz'))).toBe(names);
  });
});
