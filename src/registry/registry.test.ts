import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, test } from 'vitest';
import { parseAddress, parsePrefix, type Prefix } from '../net/index.js';
import { registryFromFiles } from '../../test/fixtures/registry-files.js';
import { Registry } from './index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const dataDir = path.resolve(here, '../../data/registry');
const apnic2014 = path.join(dataDir, 'delegated-apnic-20141009.gz');
const sample = (name: string): string => path.join(dataDir, 'samples-2019-09', name);

/** IPv4 text -> integer, independent of net. */
function v4(text: string): number {
  return text.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}
function v4Text(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** The APNIC 2014 rows read with nothing but split('|'): the independent reference. */
interface Row {
  cc: string;
  type: string;
  start: string;
  value: number;
  status: string;
  line: number;
}
let rows: Row[] = [];
let registry: Registry;

beforeAll(async () => {
  const text = gunzipSync(readFileSync(apnic2014)).toString('utf8');
  rows = text
    .split('\n')
    .map((line, i) => ({ fields: line.split('|'), line: i + 1 }))
    .filter(({ fields }) => fields.length === 7 && fields[1] !== '*' && fields[0] === 'apnic')
    .map(({ fields, line }) => ({
      cc: fields[1],
      type: fields[2],
      start: fields[3],
      value: Number(fields[4]),
      status: fields[6],
      line,
    }));
  const loaded = registryFromFiles([apnic2014]);
  expect(loaded.problems).toEqual([]);
  registry = loaded.registry;
});

describe('North Korea in APNIC delegated 2014-10-09 (bundled, real)', () => {
  test('AS131279 is registered to KP', () => {
    expect(registry.countryOfAsn(131279)).toMatchObject({
      registry: 'apnic',
      country: 'KP',
      status: 'allocated',
      date: '20091221',
      source: { file: apnic2014, line: 4678 },
    });
    expect(registry.asnsOfCountry('KP').map(({ start, count }) => [start, count])).toEqual([[131279, 1]]);
  });

  test('175.45.176.0/22 is KP, and its neighbours are not', () => {
    expect(registry.countryOfPrefix(parsePrefix('175.45.176.0/22'))).toMatchObject({
      country: 'KP',
      start: '175.45.176.0',
      value: 1024,
      source: { line: 18400 },
    });
    for (const inside of ['175.45.176.0', '175.45.178.1', '175.45.179.255']) {
      expect(registry.countryOfAddress(parseAddress(inside))?.country).toBe('KP');
    }
    for (const outside of ['175.45.175.255', '175.45.180.0']) {
      expect(registry.countryOfAddress(parseAddress(outside))?.country).not.toBe('KP');
    }
    // A prefix larger than the block is not held by it.
    expect(registry.countryOfPrefix(parsePrefix('175.45.176.0/21'))?.country).not.toBe('KP');
  });

  test('registered KP space is 4 /24s and no IPv6; KP is among the countries', () => {
    expect(registry.registeredSpace('KP')).toEqual({ ipv4Slash24s: 4, ipv6Slash48s: 0 });
    expect(registry.prefixesOfCountry('KP').map(String)).toEqual(['175.45.176.0/22']);
    expect(registry.countries()).toContain('KP');
    expect(registry.countries()).not.toContain('ZZ');
  });
});

describe('APNIC 2014 against a reference read with split() and binary search', () => {
  test('every IPv4 row: its first and last address resolve to its own line', () => {
    const ipv4 = rows.filter((r) => r.type === 'ipv4');
    expect(ipv4.length).toBe(25898);
    for (const row of ipv4) {
      const first = v4(row.start);
      for (const probe of [first, first + row.value - 1]) {
        const entry = registry.countryOfAddress(parseAddress(v4Text(probe)));
        expect(entry?.source.line, `${row.start} + ${row.value}`).toBe(row.line);
        expect(entry?.country).toBe(row.cc);
      }
    }
  });

  test('random addresses agree with a sorted-range binary search', () => {
    const ranges = rows
      .filter((r) => r.type === 'ipv4')
      .map((r) => ({ first: v4(r.start), end: v4(r.start) + r.value, row: r }))
      .sort((a, b) => a.first - b.first);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i].first).toBeGreaterThanOrEqual(ranges[i - 1].end);
    let seed = 42;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    let hits = 0;
    for (let i = 0; i < 20000; i++) {
      // Half the probes inside APNIC's /8s to get hits, half anywhere.
      const probe =
        i % 2 === 0
          ? Math.floor(random() * 2 ** 32)
          : ranges[Math.floor(random() * ranges.length)].first + Math.floor(random() * 4096);
      let low = 0;
      let high = ranges.length - 1;
      while (low <= high) {
        const mid = (low + high) >> 1;
        if (ranges[mid].first <= probe) low = mid + 1;
        else high = mid - 1;
      }
      const expected = high >= 0 && probe < ranges[high].end ? ranges[high].row : undefined;
      const entry = registry.countryOfAddress(parseAddress(v4Text(probe)));
      expect(entry?.source.line).toBe(expected?.line);
      if (expected !== undefined) hits++;
    }
    expect(hits).toBeGreaterThan(5000);
  });

  test('every ASN row and every IPv6 row resolves to its own line', () => {
    for (const row of rows.filter((r) => r.type === 'asn')) {
      expect(registry.countryOfAsn(Number(row.start))?.source.line).toBe(row.line);
      expect(registry.countryOfAsn(Number(row.start) + row.value - 1)?.source.line).toBe(row.line);
    }
    for (const row of rows.filter((r) => r.type === 'ipv6')) {
      expect(registry.countryOfPrefix(parsePrefix(`${row.start}/${row.value}`))?.source.line).toBe(row.line);
    }
    expect(registry.countryOfAsn(4294967295)).toBeUndefined();
    expect(registry.countryOfAsn(-1)).toBeUndefined();
    expect(registry.countryOfAsn(1.5)).toBeUndefined();
  });

  test('registered space per country equals the sum of its rows', () => {
    const expected = new Map<string, { v4: number; v6: number; asns: number }>();
    for (const row of rows) {
      const sums = expected.get(row.cc) ?? { v4: 0, v6: 0, asns: 0 };
      if (row.type === 'ipv4') sums.v4 += row.value / 256;
      else if (row.type === 'ipv6') sums.v6 += 2 ** (48 - row.value);
      else sums.asns += row.value;
      expected.set(row.cc, sums);
    }
    expect(registry.countries()).toEqual([...expected.keys()].sort());
    for (const [cc, sums] of expected) {
      expect(registry.registeredSpace(cc), cc).toEqual({ ipv4Slash24s: sums.v4, ipv6Slash48s: sums.v6 });
      expect(
        registry.asnsOfCountry(cc).reduce((n, r) => n + r.count, 0),
        cc,
      ).toBe(sums.asns);
    }
  });
});

describe('several files together: newest wins per block', () => {
  const file = (registryName: string, date: string, records: string[]): string =>
    [`2|${registryName}|${date}|${records.length}|19900101|${date}|+0000`, ...records].join('\n');
  const older = file('apnic', '20141009', [
    'apnic|JP|asn|2706|1|20030514|allocated',
    'apnic|AU|ipv4|10.0.0.0|2048|20100101|allocated', // 10.0.0.0/21
    'apnic|CN|ipv4|10.1.0.0|256|20100101|allocated',
  ]);
  const newer = file('apnic', '20190912', [
    'apnic|HK|asn|2706|1|20030514|allocated', // same record date: the file date decides
    'apnic|NZ|ipv4|10.0.2.0|512|20180101|allocated', // inside the older /21
  ]);

  test.each([
    ['older first', [older, newer]],
    ['newer first', [newer, older]],
  ])('%s: the same answers', (_name, texts) => {
    const r = new Registry();
    texts.forEach((text, i) => r.loadText(`file${i}`, text));
    expect(r.countryOfAsn(2706)?.country).toBe('HK');
    expect(r.countryOfAddress(parseAddress('10.0.2.1'))?.country).toBe('NZ');
    expect(r.countryOfAddress(parseAddress('10.0.0.1'))?.country).toBe('AU'); // only the older file covers it
    expect(r.countryOfAddress(parseAddress('10.1.0.1'))?.country).toBe('CN');
    expect(r.prefixesOfCountry('AU').map(String)).toEqual(['10.0.0.0/23', '10.0.4.0/22']);
    expect(r.registeredSpace('AU')).toEqual({ ipv4Slash24s: 6, ipv6Slash48s: 0 });
    expect(r.asnsOfCountry('JP')).toEqual([]);
    expect(r.countries()).toEqual(['AU', 'CN', 'HK', 'NZ']);
  });

  test('a newer file that covers an older block more broadly wins over all of it', () => {
    const r = new Registry();
    r.loadText('old', older);
    r.loadText('new', file('apnic', '20190912', ['apnic|KR|ipv4|10.0.0.0|65536|20180101|allocated']));
    expect(r.countryOfAddress(parseAddress('10.0.3.3'))?.country).toBe('KR');
    expect(r.prefixesOfCountry('AU')).toEqual([]);
    expect(r.prefixesOfCountry('KR').map(String)).toEqual(['10.0.0.0/16']);
  });

  test('IANA rows lose to RIR rows even when newer, and answer where no RIR row exists', () => {
    const r = new Registry();
    r.loadText('apnic', older);
    r.loadText(
      'iana',
      file('iana', '20190911', [
        'iana|ZZ|ipv4|10.0.0.0|16777216|19950101|apnic',
        'iana|ZZ|asn|2048|1024|19920101|apnic',
      ]),
    );
    expect(r.countryOfAddress(parseAddress('10.0.0.1'))?.country).toBe('AU');
    expect(r.countryOfAddress(parseAddress('10.200.0.1'))).toMatchObject({
      registry: 'iana',
      country: 'ZZ',
      delegatedTo: 'apnic',
      source: { file: 'iana', line: 2 },
    });
    expect(r.countryOfAsn(2706)?.country).toBe('JP');
    expect(r.countryOfAsn(2705)).toMatchObject({ registry: 'iana', delegatedTo: 'apnic' });
    expect(r.countries()).toEqual(['AU', 'CN', 'JP']);
  });

  test('available and reserved blocks answer with their status and give no holder', () => {
    const r = new Registry();
    r.loadText('old', older);
    r.loadText('new', file('apnic', '20190912', ['apnic|ZZ|ipv4|10.1.0.0|256|20190101|available']));
    expect(r.countryOfAddress(parseAddress('10.1.0.1'))).toMatchObject({
      status: 'available',
      country: 'ZZ',
    });
    expect(r.prefixesOfCountry('CN')).toEqual([]);
  });
});

describe('real 2019 samples of all five RIRs and IANA together (bundled)', () => {
  test('loads, answers per registry, EU/AP kept as registry codes', async () => {
    const names = ['afrinic', 'apnic', 'arin', 'iana', 'lacnic', 'ripencc'];
    const { registry: r, problems, reports } = registryFromFiles(names.map(sample));
    expect(problems.every((p) => p.code === 'REGISTRY_COUNT_MISMATCH')).toBe(true);
    expect(reports.map((report) => report.records)).toEqual([300, 300, 300, 20, 300, 300]);
    expect(r.countryOfAsn(7)).toMatchObject({ registry: 'ripencc', country: 'EU' });
    expect(r.countryOfAsn(1228)).toMatchObject({ registry: 'afrinic', country: 'ZA', opaqueId: 'F36B9F4B' });
    expect(r.countryOfAsn(278)).toMatchObject({ registry: 'lacnic', country: 'MX' });
    expect(r.countryOfAsn(1)).toMatchObject({ registry: 'arin', country: 'US' }); // RIR beats IANA's 1-1876
    expect(r.countryOfAsn(1000)).toMatchObject({ registry: 'iana', delegatedTo: 'arin' });
    expect(r.countryOfAddress(parseAddress('5.255.255.255'))).toMatchObject({
      registry: 'iana',
      delegatedTo: 'lacnic',
    });
    expect(r.countries()).toContain('EU');
  });
});

describe('countryOfIPv4 (numbers, no Prefix) answers as countryOfPrefix', () => {
  test('on every block of the 2014 APNIC file and the 2019 samples with IANA, their halves, parents and hosts', async () => {
    const names = ['afrinic', 'apnic', 'arin', 'iana', 'lacnic', 'ripencc'];
    const { registry: r } = registryFromFiles([apnic2014, ...names.map(sample)]);
    const word = (p: Prefix): number =>
      ((p.bytes[0] << 24) | (p.bytes[1] << 16) | (p.bytes[2] << 8) | p.bytes[3]) >>> 0;
    const targets: Prefix[] = [];
    for (const country of r.countries()) {
      for (const block of r.prefixesOfCountry(country)) {
        if (block.family !== 4) continue;
        const network = block.toString().split('/')[0];
        targets.push(block);
        if (block.length < 32) targets.push(parsePrefix(`${network}/${block.length + 1}`));
        if (block.length > 0) targets.push(parsePrefix(`${network}/${block.length - 1}`));
        targets.push(parsePrefix(`${network}/32`));
      }
    }
    // Space no block covers, and IANA-only space.
    for (const text of ['0.0.0.0/0', '5.255.255.0/24', '240.0.0.0/4', '127.0.0.1/32'])
      targets.push(parsePrefix(text));
    expect(targets.length).toBeGreaterThan(10_000);
    let answered = 0;
    for (const prefix of targets) {
      const expected = r.countryOfPrefix(prefix);
      expect(r.countryOfIPv4(word(prefix), prefix.length), prefix.toString()).toBe(expected);
      if (expected !== undefined) answered++;
    }
    expect(answered).toBeGreaterThan(targets.length / 2);
  });

  test('where a broader block of a newer file beats the most specific one, and after another load', () => {
    const header = (date: string, n: number): string => `2|apnic|${date}|${n}|19900101|${date}|+0000`;
    const r = new Registry();
    r.loadText(
      'old',
      [
        header('20141009', 2),
        'apnic|AU|ipv4|10.0.0.0|2048|20100101|allocated',
        'apnic|CN|ipv4|10.0.2.0|256|20100101|allocated',
      ].join('\n'),
    );
    const at = (text: string): string | undefined => {
      const p = parsePrefix(text);
      const viaNumbers = r.countryOfIPv4(
        ((p.bytes[0] << 24) | (p.bytes[1] << 16) | (p.bytes[2] << 8) | p.bytes[3]) >>> 0,
        p.length,
      );
      expect(viaNumbers, text).toBe(r.countryOfPrefix(p));
      return viaNumbers?.country;
    };
    expect([at('10.0.2.0/24'), at('10.0.2.128/25'), at('10.0.1.0/24'), at('10.0.0.0/16')]).toEqual([
      'CN',
      'CN',
      'AU',
      undefined,
    ]);
    r.loadText('new', [header('20190912', 1), 'apnic|KR|ipv4|10.0.0.0|65536|20180101|allocated'].join('\n'));
    expect([at('10.0.2.0/24'), at('10.0.2.128/25'), at('10.0.1.0/24'), at('10.0.0.0/16')]).toEqual([
      'KR',
      'KR',
      'KR',
      'KR',
    ]);
  });
});
