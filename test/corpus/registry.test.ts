// Registry on the real delegated files the repo may not carry (the 2019 APNIC, AFRINIC, LACNIC
// and IANA files come from an LGPL-3.0 repository). Reads $CAIRN_CORPUS or ../shared/data.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { parseAddress, parsePrefix } from '../../src/net/index.js';
import type { IpRecord } from '../../src/registry/index.js';
import { loadRegistryFiles } from '../../src/app/index.js';
import { parseDelegated } from '../../src/registry/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const corpus = process.env.CAIRN_CORPUS ?? path.resolve(repoRoot, '../shared/data');
const rir = (name: string): string => path.join(corpus, 'routing/rir', name);

const APNIC_2014 = rir('delegated-apnic-20141009.gz');
const APNIC_2019 = rir('delegated-apnic-20190912.gz');
const AFRINIC = rir('delegated-afrinic-extended-20190911.gz');
const LACNIC = rir('delegated-lacnic-extended-20190910.gz');
const IANA = rir('delegated-iana-20190911');
const SAMPLES = ['afrinic', 'apnic', 'arin', 'iana', 'lacnic', 'ripencc'].map((n) =>
  rir(`samples-2019-09/${n}`),
);

function readText(file: string): string {
  const bytes = readFileSync(file);
  return (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
}

/** Data rows read with nothing but split('|'): the independent reference. */
function rowsOf(file: string): Array<{ fields: string[]; line: number }> {
  return readText(file)
    .split('\n')
    .map((text, i) => ({ fields: text.split('|'), line: i + 1 }))
    .filter(
      ({ fields }) =>
        fields.length >= 7 && !fields[0].startsWith('#') && fields[1] !== '*' && !/^[0-9.]+$/.test(fields[0]),
    );
}

const v4 = (text: string): number => text.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
const v4Text = (value: number): string =>
  [24, 16, 8, 0].map((s) => Math.floor(value / 2 ** s) % 256).join('.');

/** Minimal CIDR cover check (consecutive, aligned, no mergeable neighbours): unique, so a reference. */
function expectMinimalCidrCover(prefixes: string[], start: number, count: number): void {
  let next = start;
  prefixes.forEach((text, i) => {
    const [network, length] = text.split('/');
    const size = 2 ** (32 - Number(length));
    expect(v4(network)).toBe(next);
    expect(v4(network) % size).toBe(0);
    const following = prefixes[i + 1];
    if (following !== undefined && following.split('/')[1] === length)
      expect(v4(network) % (2 * size)).not.toBe(0);
    next += size;
  });
  expect(next).toBe(start + count);
}

describe('IANA 2019: the record wrapped mid-line', () => {
  test('line 1007 ("|3|19990401|arin") is reported with file and line; the rest loads', async () => {
    const { registry, problems, reports } = await loadRegistryFiles([IANA]);
    const bad = problems.filter((p) => p.code === 'REGISTRY_BAD_LINE');
    expect(bad.map((p) => [p.location.file, p.location.line])).toEqual([[IANA, 1007]]);
    expect(bad[0].message).toContain('4 fields');
    // 2,531 data rows in the file, one of them the broken tail.
    expect(reports[0].records).toBe(rowsOf(IANA).length);
    expect(reports[0].records).toBe(2530);
    // The lines on both sides of the break load (the file repeats most of itself after the
    // break, so the lookups below answer from whichever copy comes later).
    const lines = parseDelegated(IANA, readText(IANA)).records.map((r) => [r.line, r.start, r.delegatedTo]);
    expect(lines).toContainEqual([1006, 'ff00:0000::', 'ietf']);
    expect(lines).toContainEqual([1008, '14115', 'afrinic']);
    expect(registry.countryOfPrefix(parsePrefix('ff00::/8'))).toMatchObject({
      status: 'reserved',
      delegatedTo: 'ietf',
    });
    expect(registry.countryOfAsn(14115)).toMatchObject({ delegatedTo: 'afrinic' });
    // Also reported: the header's counts, which the file does not match.
    expect(problems.filter((p) => p.code === 'REGISTRY_COUNT_MISMATCH').map((p) => p.location.line)).toEqual([
      30, 31, 32, 33,
    ]);
  });
});

describe('non-aligned IPv4 ranges in real files are split into the right CIDR blocks', () => {
  test('AFRINIC 164.146.0.0 + 393216 and 196.4.20.0 + 2560; IANA 43.0.0.0 + 14680064', () => {
    // Expected blocks as Python's ipaddress.summarize_address_range gives them.
    const afrinic = parseDelegated(AFRINIC, readText(AFRINIC)).records as IpRecord[];
    const iana = parseDelegated(IANA, readText(IANA)).records as IpRecord[];
    const find = (records: IpRecord[], start: string, value: number) =>
      records.find((r) => r.start === start && r.value === value)?.prefixes.map(String);
    expect(find(afrinic, '164.146.0.0', 393216)).toEqual(['164.146.0.0/15', '164.148.0.0/14']);
    expect(find(afrinic, '196.4.20.0', 2560)).toEqual(['196.4.20.0/22', '196.4.24.0/22', '196.4.28.0/23']);
    expect(find(iana, '43.0.0.0', 14680064)).toEqual(['43.0.0.0/9', '43.128.0.0/10', '43.192.0.0/11']);
  });

  test('every non-aligned row of AFRINIC and IANA passes the minimal-cover check, and lookups hit its ends', async () => {
    const { registry } = await loadRegistryFiles([AFRINIC]);
    let checked = 0;
    for (const file of [AFRINIC, IANA]) {
      const records = parseDelegated(file, readText(file)).records;
      for (const record of records) {
        if (record.type !== 'ipv4') continue;
        const start = v4(record.start);
        const aligned = Number.isInteger(Math.log2(record.value)) && start % record.value === 0;
        if (aligned) continue;
        expect(record.prefixes.length).toBeGreaterThan(1);
        expectMinimalCidrCover(record.prefixes.map(String), start, record.value);
        checked++;
        if (file === AFRINIC) {
          for (const probe of [start, start + record.value - 1]) {
            expect(registry.countryOfAddress(parseAddress(v4Text(probe)))?.source.line).toBe(record.line);
          }
        }
      }
    }
    expect(checked).toBe(69 + 137);
  });
});

describe('APNIC 2014 and 2019 together: the newer file wins per block', () => {
  const key = (f: string[]): string => `${f[2]}|${f[3]}|${f[4]}`;

  test.each([
    ['2014 loaded first', [APNIC_2014, APNIC_2019]],
    ['2019 loaded first', [APNIC_2019, APNIC_2014]],
  ])('%s', async (_name, files) => {
    const { registry, problems } = await loadRegistryFiles(files);
    expect(problems).toEqual([]);
    // AS2706: JP in 2014, HK in 2019, same record date 20030514.
    expect(registry.countryOfAsn(2706)).toMatchObject({ country: 'HK', source: { file: APNIC_2019 } });
    // Every block the two files both list with different countries answers as 2019 says.
    const old = new Map(rowsOf(APNIC_2014).map(({ fields }) => [key(fields), fields[1]]));
    let changed = 0;
    for (const { fields, line } of rowsOf(APNIC_2019)) {
      const before = old.get(key(fields));
      const [, cc, type, start, value] = fields;
      // Every 2019 row wins over the whole of its own block.
      const entry =
        type === 'asn'
          ? registry.countryOfAsn(Number(start))
          : type === 'ipv4'
            ? registry.countryOfAddress(parseAddress(v4Text(v4(start) + Number(value) - 1)))
            : registry.countryOfPrefix(parsePrefix(`${start}/${value}`));
      expect(entry?.source).toEqual({ file: APNIC_2019, line });
      expect(entry?.country).toBe(cc);
      if (before !== undefined && before !== cc) changed++;
    }
    expect(changed).toBeGreaterThanOrEqual(707); // ASNs alone: 707 changed country
    // KP is the same in both.
    expect(registry.registeredSpace('KP')).toEqual({ ipv4Slash24s: 4, ipv6Slash48s: 0 });
  });
});

describe('everything together', () => {
  test('all real files load; only the IANA break and header count mismatches are reported; time and memory', async () => {
    const files = [APNIC_2014, APNIC_2019, AFRINIC, LACNIC, IANA, ...SAMPLES];
    const started = performance.now();
    const { registry, problems, reports } = await loadRegistryFiles(files);
    const loadedMs = performance.now() - started;
    const viewStarted = performance.now();
    const countries = registry.countries();
    const viewMs = performance.now() - viewStarted;
    const memory = process.memoryUsage();
    const records = reports.reduce((n, r) => n + r.records, 0);
    console.log(
      `registry: ${files.length} files, ${records} records, ${registry.size.blocks} blocks, ${registry.size.asnRecords} ASN records; ` +
        `load ${loadedMs.toFixed(0)} ms, country view ${viewMs.toFixed(0)} ms; ` +
        `heap used ${(memory.heapUsed / 2 ** 20).toFixed(0)} MiB, rss ${(memory.rss / 2 ** 20).toFixed(0)} MiB`,
    );
    expect(records).toBe(35407 + 62210 + 9943 + 65649 + 2530 + 5 * 300 + 20);
    expect(
      problems.filter((p) => p.code !== 'REGISTRY_COUNT_MISMATCH').map((p) => [p.code, p.location.line]),
    ).toEqual([['REGISTRY_BAD_LINE', 1007]]);
    expect(registry.countryOfAsn(131279)).toMatchObject({ country: 'KP', source: { file: APNIC_2019 } });
    expect(registry.countryOfAddress(parseAddress('175.45.177.1'))?.country).toBe('KP');
    expect(registry.registeredSpace('KP')).toEqual({ ipv4Slash24s: 4, ipv6Slash48s: 0 });
    expect(registry.countryOfAddress(parseAddress('164.148.10.1'))).toMatchObject({
      registry: 'afrinic',
      country: 'ZA',
    });
    expect(registry.countryOfAsn(278)).toMatchObject({ registry: 'lacnic', country: 'MX' });
    expect(countries.length).toBeGreaterThan(150);
  });
});
