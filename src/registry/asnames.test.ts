import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, test } from 'vitest';
import { AsNames, displayName, splitAsName } from './index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const asnamesFile = path.resolve(here, '../../data/registry/asnames.json.gz');

describe('AS names from pyasn (bundled, real)', () => {
  let names: AsNames;
  let reference: Record<string, string>;
  beforeAll(async () => {
    const text = gunzipSync(readFileSync(asnamesFile)).toString('utf8');
    names = AsNames.fromJson(asnamesFile, text);
    reference = JSON.parse(text) as Record<string, string>;
  });

  test('AS131279 is STAR-KP, Ryugyong-dong, KP; AS4837 is China Unicom', () => {
    expect(names.problems).toEqual([]);
    expect(names.get(131279)).toEqual({
      asn: 131279,
      name: 'STAR-KP',
      description: 'Ryugyong-dong',
      country: 'KP',
      raw: 'STAR-KP Ryugyong-dong, KP',
    });
    expect(names.get(4837)).toMatchObject({
      name: 'CHINA169-BACKBONE',
      description: 'CNCGROUP China169 Backbone',
      country: 'CN',
    });
    expect(names.get(4200000000)).toBeUndefined();
    expect(names.get(64512)?.raw).toBe('-Private Use AS-, ZZ'); // as pyasn has it
  });

  test('every entry of the file is there, raw text unchanged, the country split off when present', () => {
    const keys = Object.keys(reference);
    expect(names.size).toBe(keys.length);
    expect(names.size).toBe(77586);
    let withCountry = 0;
    for (const key of keys) {
      const entry = names.get(Number(key));
      expect(entry?.raw).toBe(reference[key]);
      if (entry?.country !== undefined) {
        withCountry++;
        expect(reference[key].endsWith(`, ${entry.country}`)).toBe(true);
      }
    }
    expect(withCountry).toBe(keys.length - 1); // AS19399 ends in ", na"
    expect(names.get(19399)).toMatchObject({ name: 'SLLNET', description: 'Stockholms Lans Landsting' });
    expect(names.get(19399)?.country).toBeUndefined();
  });

  test("ARIN's 'HANDLE - description' form drops the separator", () => {
    expect(names.get(11542)).toMatchObject({
      name: 'EYEMG',
      description: 'EYEMG - interactive media group',
      country: 'US',
    });
  });
});

describe('hostile AS names', () => {
  test('control characters are kept exactly, and displayName escapes them', () => {
    const raw = 'EVIL\u001b[2J-AS Name\u0007 with\nnewline \u202eevil\u009b, KP';
    const names = AsNames.fromJson('x.json', JSON.stringify({ '65000': raw }));
    const entry = names.get(65000);
    expect(entry?.raw).toBe(raw);
    expect(entry?.name).toBe('EVIL\u001b[2J-AS');
    expect(entry?.country).toBe('KP');
    const shown = displayName(entry!);
    expect(shown).toBe('AS65000 EVIL\\x1b[2J-AS Name\\x07 with\\u000anewline \\u202eevil\\x9b, KP');
    // eslint-disable-next-line no-control-regex
    expect(/[\u0000-\u001f\u007f-\u009f\u202e]/.test(shown)).toBe(false);
  });

  test('bad keys and values are reported with their JSON path and skipped', () => {
    const names = AsNames.fromJson(
      'bad.json',
      JSON.stringify({
        '1': 'GOOD One, US',
        AS2: 'x',
        '-3': 'x',
        '4294967296': 'x',
        '5': 7,
        '6': 'x'.repeat(5000),
        '007': 'x',
      }),
    );
    expect(names.size).toBe(1);
    expect(names.problems.map((p) => [p.code, p.location.path])).toEqual([
      ['ASNAMES_BAD_ENTRY', '$["5"]'],
      ['ASNAMES_BAD_ENTRY', '$["6"]'],
      ['ASNAMES_BAD_ENTRY', '$["AS2"]'],
      ['ASNAMES_BAD_ENTRY', '$["-3"]'],
      ['ASNAMES_BAD_ENTRY', '$["4294967296"]'],
      ['ASNAMES_BAD_ENTRY', '$["007"]'],
    ]);
  });

  test('not JSON, or not an object: one problem, an empty set, no exception', () => {
    for (const text of ['{"1": "A, US"', '[1,2]', 'null', '"x"', '']) {
      const names = AsNames.fromJson('broken.json', text);
      expect(names.size).toBe(0);
      expect(names.problems.map((p) => p.code)).toEqual(['ASNAMES_BAD_JSON']);
    }
  });

  test('splitAsName without a description or a country', () => {
    expect(splitAsName(1, 'CABLEMAR, HN')).toEqual({
      asn: 1,
      name: 'CABLEMAR',
      description: '',
      country: 'HN',
      raw: 'CABLEMAR, HN',
    });
    expect(splitAsName(2, 'LONELY')).toEqual({ asn: 2, name: 'LONELY', description: '', raw: 'LONELY' });
    expect(splitAsName(3, '')).toEqual({ asn: 3, name: '', description: '', raw: '' });
  });
});
