import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { ParseError } from '../errors/index.js';
import type { IpRecord } from './index.js';
import { scanDelegated } from './delegated.js';
import { ISO_COUNTRY_COUNT, checkDate, isKnownCountryCode, parseDelegated } from './index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const samples = path.resolve(here, '../../data/registry/samples-2019-09');
const readSample = (name: string): string => readFileSync(path.join(samples, name), 'utf8');

/** IPv4 text -> integer, written here independently of net's parser. */
function v4(text: string): number {
  return text.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

/**
 * Checks that `blocks` is THE minimal CIDR cover of [start, start + count): consecutive, each
 * aligned to its size, and no two neighbours mergeable into one aligned block. These three
 * properties determine the decomposition uniquely, so this is an independent reference.
 */
function expectMinimalCidrCover(
  blocks: Array<{ network: number; length: number }>,
  start: number,
  count: number,
) {
  let next = start;
  for (const [i, block] of blocks.entries()) {
    const size = 2 ** (32 - block.length);
    expect(block.network).toBe(next);
    expect(block.network % size).toBe(0);
    const following = blocks[i + 1];
    if (following !== undefined && following.length === block.length) {
      expect(block.network % (2 * size) === 0).toBe(false); // else the two would merge
    }
    next += size;
  }
  expect(next).toBe(start + count);
}

describe('parseDelegated on the RIRs real sample files (2019-09)', () => {
  test('every sample loads: header, summaries, records, no bad lines', () => {
    for (const registry of ['afrinic', 'apnic', 'arin', 'iana', 'lacnic', 'ripencc']) {
      const parsed = parseDelegated(registry, readSample(registry));
      expect(parsed.header?.registry).toBe(registry);
      expect(parsed.summaries.map((s) => s.type).sort()).toEqual(['asn', 'ipv4', 'ipv6']);
      // Only file-level count mismatches (the AFRINIC and IANA samples' headers are wrong).
      expect(parsed.problems.filter((p) => p.code !== 'REGISTRY_COUNT_MISMATCH')).toEqual([]);
      const rows = readSample(registry)
        .split('\n')
        .filter((l) => l !== '' && !l.startsWith('#') && !l.endsWith('|summary') && l.split('|').length >= 7);
      expect(parsed.records.length).toBe(rows.length - 1); // minus the header
    }
  });

  test('header fields, including epoch serials and an empty start date', () => {
    expect(parseDelegated('arin', readSample('arin')).header).toMatchObject({
      version: '2.3',
      serial: '1567951216119',
      records: 300,
      startDate: '19700101',
      endDate: '20190908',
      utcOffset: '-0400',
      line: 1,
    });
    expect(parseDelegated('apnic', readSample('apnic')).header).toMatchObject({
      startDate: '',
      endDate: '20190906',
    });
  });

  test('the AFRINIC sample header claims 100 records for 300: reported as a count mismatch', () => {
    const parsed = parseDelegated('afrinic', readSample('afrinic'));
    expect(parsed.problems.map((p) => [p.code, p.location.line])).toEqual([['REGISTRY_COUNT_MISMATCH', 1]]);
  });

  test('extended fields: opaque id, RIPE EU code, ARIN unknown date 00000000', () => {
    const ripe = parseDelegated('ripencc', readSample('ripencc')).records;
    expect(ripe[0]).toMatchObject({
      registry: 'ripencc',
      country: 'EU',
      type: 'asn',
      firstAsn: 7,
      value: 1,
      date: '19930901',
      status: 'allocated',
      opaqueId: '87cfacbc-5809-4ddd-a668-06393fbd23d6',
      line: 5,
    });
    const arin = parseDelegated('arin', readSample('arin')).records;
    expect(arin.find((r) => r.start === '3')).toMatchObject({ date: '', status: 'assigned', country: 'US' });
  });

  test('IANA sample: 9 fields, where the block went is kept as delegatedTo', () => {
    const records = parseDelegated('iana', readSample('iana')).records;
    const one = records.find((r) => r.start === '1.0.0.0');
    expect(one).toMatchObject({
      country: 'ZZ',
      status: 'allocated',
      delegatedTo: 'apnic',
      extensions: ['iana'],
    });
    expect(records.find((r) => r.start === '0')).toMatchObject({ status: 'reserved', delegatedTo: 'ietf' });
  });

  test('older IANA format (status column names the RIR) maps to allocated + delegatedTo', () => {
    const text = [
      '2|iana|20190911|3|19830101|20190612|+0000',
      'iana|ZZ|asn|1|1876|19920101|arin',
      'iana|ZZ|ipv4|0.0.0.0|16777216|19830101|ietf',
      'iana|ZZ|ipv6|2001:0200::|23|19990701|apnic',
    ].join('\n');
    const parsed = parseDelegated('iana-old', text);
    expect(parsed.problems).toEqual([]);
    expect(parsed.records.map((r) => [r.status, r.delegatedTo])).toEqual([
      ['allocated', 'arin'],
      ['reserved', 'ietf'],
      ['allocated', 'apnic'],
    ]);
    expect((parsed.records[2] as IpRecord).prefixes.map(String)).toEqual(['2001:200::/23']);
  });

  test('LACNIC rows without a holder: empty cc and date accepted for reserved/available, country ZZ', () => {
    const parsed = parseDelegated(
      'lacnic',
      [
        '2.3|lacnic|20190910|2|19870101|20190910|-0300',
        'lacnic||ipv4|24.152.0.0|32768||reserved|',
        'lacnic||ipv6|2001:1200::|23||available',
      ].join('\n'),
    );
    expect(parsed.problems).toEqual([]);
    expect(parsed.records.map((r) => [r.recordedCountry, r.country, r.date, r.status, r.opaqueId])).toEqual([
      ['', 'ZZ', '', 'reserved', ''],
      ['', 'ZZ', '', 'available', undefined],
    ]);
  });

  test('a non-aligned IPv4 range is split into the minimal CIDR blocks', () => {
    // 10.0.1.0 + 768 addresses and 192.0.2.0 + 100 (checked with Python's
    // ipaddress.summarize_address_range as well as by the property check below).
    const parsed = parseDelegated(
      'synthetic',
      [
        '2|ripencc|1|2|20190101|20190101|+0000',
        'ripencc|DE|ipv4|10.0.1.0|768|20190101|allocated',
        'ripencc|NL|ipv4|192.0.2.0|100|20190101|assigned',
      ].join('\n'),
    );
    expect(parsed.problems).toEqual([]);
    const [first, second] = parsed.records as IpRecord[];
    expect(first.prefixes.map(String)).toEqual(['10.0.1.0/24', '10.0.2.0/23']);
    expect(second.prefixes.map(String)).toEqual(['192.0.2.0/26', '192.0.2.64/27', '192.0.2.96/30']);
    for (const record of [first, second]) {
      const blocks = record.prefixes.map((p) => ({
        network: v4(p.toString().split('/')[0]),
        length: p.length,
      }));
      expectMinimalCidrCover(blocks, v4(record.start), record.value);
    }
  });

  test('the splitter agrees with the reference property on many odd ranges', () => {
    let seed = 12345;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const lines = ['2|apnic|1|0|20190101|20190101|+0000'];
    for (let i = 0; i < 300; i++) {
      const start = Math.floor(random() * 2 ** 32);
      const count = 1 + Math.floor(random() * Math.min(2 ** 24, 2 ** 32 - start));
      lines.push(
        `apnic|JP|ipv4|${[24, 16, 8, 0].map((s) => Math.floor(start / 2 ** s) % 256).join('.')}|${count}|20190101|allocated`,
      );
    }
    const parsed = parseDelegated('random', lines.join('\n'));
    expect(parsed.records.length).toBe(300);
    for (const record of parsed.records as IpRecord[]) {
      const blocks = record.prefixes.map((p) => ({
        network: v4(p.toString().split('/')[0]),
        length: p.length,
      }));
      expectMinimalCidrCover(blocks, v4(record.start), record.value);
    }
  });
});

describe('hostile and malformed lines', () => {
  const header = '2|apnic|20190101|99|19850101|20190101|+1000';
  const good = 'apnic|KP|ipv4|175.45.176.0|1024|20091221|allocated';
  const cases: Array<[string, string, string]> = [
    ['too few fields', 'apnic|KP|ipv4|175.45.176.0|1024', 'REGISTRY_BAD_LINE'],
    ['too many fields', `${good}${'|x'.repeat(30)}`, 'REGISTRY_BAD_LINE'],
    ['a wrapped tail', '|3|19990401|arin', 'REGISTRY_BAD_LINE'],
    ['count 0', 'apnic|KP|ipv4|175.45.176.0|0|20091221|allocated', 'REGISTRY_BAD_RANGE'],
    ['asn count 0', 'apnic|KP|asn|131279|0|20091221|allocated', 'REGISTRY_BAD_RANGE'],
    ['octet 999', 'apnic|KP|ipv4|999.1.1.1|256|20091221|allocated', 'REGISTRY_BAD_ADDRESS'],
    ['IPv6 text in an ipv4 row', 'apnic|KP|ipv4|2001:db8::|256|20091221|allocated', 'REGISTRY_BAD_ADDRESS'],
    ['unknown cc XX', 'apnic|XX|ipv4|175.45.176.0|1024|20091221|allocated', 'REGISTRY_UNKNOWN_COUNTRY'],
    ['lower-case cc', 'apnic|kp|ipv4|175.45.176.0|1024|20091221|allocated', 'REGISTRY_UNKNOWN_COUNTRY'],
    ['allocated without cc', 'apnic||ipv4|175.45.176.0|1024|20091221|allocated', 'REGISTRY_UNKNOWN_COUNTRY'],
    ['past the end of IPv4', 'apnic|KP|ipv4|255.255.255.0|512|20091221|allocated', 'REGISTRY_BAD_RANGE'],
    ['huge count', 'apnic|KP|ipv4|1.0.0.0|99999999999999999999|20091221|allocated', 'REGISTRY_BAD_RANGE'],
    [
      'count too long to be a number',
      `apnic|KP|ipv4|1.0.0.0|${'9'.repeat(400)}|20091221|allocated`,
      'REGISTRY_BAD_RANGE',
    ],
    ['non-numeric count', 'apnic|KP|ipv4|175.45.176.0|1e3|20091221|allocated', 'REGISTRY_BAD_RANGE'],
    ['negative count', 'apnic|KP|ipv4|175.45.176.0|-1|20091221|allocated', 'REGISTRY_BAD_RANGE'],
    ['ASN 2^32', 'apnic|KP|asn|4294967296|1|20091221|allocated', 'REGISTRY_BAD_RANGE'],
    ['ASN range past 2^32', 'apnic|KP|asn|4294967295|2|20091221|allocated', 'REGISTRY_BAD_RANGE'],
    ['non-numeric ASN', 'apnic|KP|asn|AS131279|1|20091221|allocated', 'REGISTRY_BAD_RANGE'],
    ['IPv6 length 129', 'apnic|JP|ipv6|2001:200::|129|20091221|allocated', 'REGISTRY_BAD_RANGE'],
    [
      'IPv6 start not on its boundary',
      'apnic|JP|ipv6|2001:200::1|32|20091221|allocated',
      'REGISTRY_BAD_RANGE',
    ],
    ['month 13', 'apnic|KP|ipv4|175.45.176.0|1024|20091321|allocated', 'REGISTRY_BAD_DATE'],
    [
      '29 February of a common year',
      'apnic|KP|ipv4|175.45.176.0|1024|20090229|allocated',
      'REGISTRY_BAD_DATE',
    ],
    ['date with letters', 'apnic|KP|ipv4|175.45.176.0|1024|2009122x|allocated', 'REGISTRY_BAD_DATE'],
    ['unknown status', 'apnic|KP|ipv4|175.45.176.0|1024|20091221|stolen', 'REGISTRY_BAD_LINE'],
    ['unknown type', 'apnic|KP|ipv5|175.45.176.0|1024|20091221|allocated', 'REGISTRY_BAD_LINE'],
    ['unknown registry', 'evilnic|KP|ipv4|175.45.176.0|1024|20091221|allocated', 'REGISTRY_BAD_LINE'],
    [
      'control characters in cc',
      'apnic|K\u0000|ipv4|175.45.176.0|1024|20091221|allocated',
      'REGISTRY_UNKNOWN_COUNTRY',
    ],
    [
      'escape sequence in status',
      'apnic|KP|ipv4|175.45.176.0|1024|20091221|\u001b[31mallocated',
      'REGISTRY_BAD_LINE',
    ],
    ['a second header', '2|apnic|20190101|99|19850101|20190101|+1000', 'REGISTRY_BAD_LINE'],
    ['a very long line', `apnic|KP|${'x'.repeat(100_000)}`, 'REGISTRY_BAD_LINE'],
  ];

  test.each(cases)('%s is reported with file and line, and the next line still loads', (_name, bad, code) => {
    const parsed = parseDelegated('hostile.txt', [header, bad, good].join('\n'));
    const lineProblems = parsed.problems.filter((p) => p.code !== 'REGISTRY_COUNT_MISMATCH');
    expect(lineProblems.map((p) => [p.code, p.location.file, p.location.line])).toEqual([
      [code, 'hostile.txt', 2],
    ]);
    expect(lineProblems[0]).toBeInstanceOf(ParseError);
    expect(parsed.records.map((r) => [r.start, r.line])).toEqual([['175.45.176.0', 3]]);
  });

  test('messages never carry raw control characters from the input', () => {
    const parsed = parseDelegated(
      'x',
      [header, 'apnic|KP|ipv4|175.45.176.0|1024|20091221|\u001b[2J\u0007'].join('\n'),
    );
    const message = parsed.problems.find((p) => p.code === 'REGISTRY_BAD_LINE')?.message ?? '';
    expect(message).toContain('\\x1b[2J\\x07');
    // eslint-disable-next-line no-control-regex
    expect(/[\u0000-\u0008\u000b-\u001f\u007f]/.test(message)).toBe(false);
  });

  test('a file without a header is reported and its records still load', () => {
    const parsed = parseDelegated('noheader', good);
    expect(parsed.problems.map((p) => p.code)).toEqual(['REGISTRY_NO_HEADER']);
    expect(parsed.records.length).toBe(1);
  });

  test('problems are bounded: the first 1000 are kept, then one REGISTRY_TOO_MANY_PROBLEMS', () => {
    const text = [header, ...Array.from({ length: 5000 }, () => 'garbage'), good].join('\n');
    const parsed = parseDelegated('flood', text);
    expect(parsed.problems.length).toBe(1001);
    expect(parsed.problems[1000].code).toBe('REGISTRY_TOO_MANY_PROBLEMS');
    expect(parsed.problemCount).toBeGreaterThanOrEqual(5000);
    expect(parsed.records.length).toBe(1);
  });

  test('random bytes never throw, and every problem has a line', () => {
    let seed = 7;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const alphabet = 'apnic|KP.:0123456789\u0000\u001b\n\r|*#asnipv46allocated ';
    for (let round = 0; round < 50; round++) {
      let text = header + '\n';
      for (let i = 0; i < 2000; i++) text += alphabet[Math.floor(random() * alphabet.length)];
      const parsed = parseDelegated('fuzz', text);
      for (const problem of parsed.problems) expect(problem.location.line).toBeGreaterThan(0);
    }
  });
});

describe('the fast scanner of canonical record lines reads them as the general parser does', () => {
  // A record line in the canonical form is read in place; the same line with a leading space
  // goes to the general parser (which trims it), so the two readings can be compared.
  const header = '2|apnic|20190101|99|19850101|20190101|+1000';
  const both = (line: string) => {
    const fast = parseDelegated('f', [header, line, ''].join('\n'));
    const general = parseDelegated('f', [header, ` ${line}`, ''].join('\n'));
    const problems = (parsed: typeof fast) =>
      parsed.problems
        .filter((p) => p.code !== 'REGISTRY_COUNT_MISMATCH')
        .map((p) => [p.code, p.message, p.location.line, p.location.field]);
    expect(problems(fast)).toEqual(problems(general));
    expect(fast.records).toEqual(general.records);
    // toEqual passes undefined for a missing key: the keys themselves must match too.
    expect(fast.records.map((r) => Object.keys(r))).toEqual(general.records.map((r) => Object.keys(r)));
    return { records: fast.records, problems: problems(fast) };
  };

  test.each([
    ['ipv4, aligned', 'apnic|KP|ipv4|175.45.176.0|1024|20091221|allocated', ['175.45.176.0/22']],
    [
      'ipv4, not aligned',
      'apnic|ZA|ipv4|196.4.20.0|2560|20091221|assigned',
      ['196.4.20.0/22', '196.4.24.0/22', '196.4.28.0/23'],
    ],
    ['ipv4 0.0.0.0 + 2^32', 'ripencc|EU|ipv4|0.0.0.0|4294967296|20091221|allocated', ['0.0.0.0/0']],
    ['ipv4 host', 'arin|US|ipv4|255.255.255.255|1|20091221|assigned', ['255.255.255.255/32']],
    ['ipv6', 'apnic|JP|ipv6|2001:200::|35|20091221|allocated', ['2001:200::/35']],
    ['ipv6 upper case', 'apnic|JP|ipv6|2001:DB8::|32|20091221|allocated', ['2001:db8::/32']],
    ['ipv6, eight groups', 'apnic|JP|ipv6|2001:db8:0:0:0:0:0:0|32|20091221|allocated', ['2001:db8::/32']],
    [
      'ipv6, 7 groups then ::',
      'apnic|JP|ipv6|2001:db8:1:2:3:4:5::|112|20091221|allocated',
      ['2001:db8:1:2:3:4:5:0/112'],
    ],
    ['ipv6 ::, all space', 'iana|ZZ|ipv6|::|0|20091221|reserved', ['::/0']],
    ['ipv6, gap inside', 'apnic|JP|ipv6|2001::1:0:0|96|20091221|allocated', ['2001::1:0:0/96']],
    ['ipv6, embedded IPv4', 'apnic|JP|ipv6|::ffff:1.2.3.0|120|20091221|allocated', ['::ffff:1.2.3.0/120']],
  ])('%s', (_name, line, prefixes) => {
    const { records, problems } = both(line);
    expect(problems).toEqual([]);
    expect((records as IpRecord[]).map((r) => r.prefixes.map(String))).toEqual([prefixes]);
  });

  test('canonical lines take the fast scanner; others, IANA rows and a CRLF-less copy with spaces do not', () => {
    const paths = (line: string): string[] => {
      const taken: string[] = [];
      scanDelegated(
        'f',
        [header, line].join('\n'),
        {},
        {
          scanned: () => taken.push('scanned'),
          parsed: () => taken.push('parsed'),
        },
      );
      return taken;
    };
    expect(paths('apnic|KP|ipv4|175.45.176.0|1024|20091221|allocated')).toEqual(['scanned']);
    expect(paths('apnic|KP|ipv4|175.45.176.0|1024|20091221|allocated\r')).toEqual(['scanned']);
    expect(paths('ripencc|EU|ipv6|2001:db8::|32|20091221|allocated|org-1')).toEqual(['scanned']);
    expect(paths('arin|US|asn|7|1|00000000|assigned')).toEqual(['scanned']);
    expect(paths(' apnic|KP|ipv4|175.45.176.0|1024|20091221|allocated')).toEqual(['parsed']);
    expect(paths('apnic|KP|ipv4|175.45.176.0|1024|20091221|Allocated')).toEqual(['parsed']);
    expect(paths('iana|ZZ|ipv4|1.0.0.0|16777216|20100101|apnic')).toEqual(['parsed']);
  });

  test('leading zeros: an ASN and a count keep their value; an IPv4 octet is refused', () => {
    const asn = both('apnic|KP|asn|00131279|01|20091221|allocated');
    expect(asn.records).toMatchObject([{ start: '00131279', firstAsn: 131279, value: 1 }]);
    expect(both('apnic|KP|ipv4|175.45.176.0|01024|20091221|allocated').records).toMatchObject([
      { value: 1024 },
    ]);
    for (const start of ['175.045.176.0', '175.45.176.00', '0175.45.176.0']) {
      expect(both(`apnic|KP|ipv4|${start}|1024|20091221|allocated`).problems.map((p) => p[0])).toEqual([
        'REGISTRY_BAD_ADDRESS',
      ]);
    }
  });

  test('spaces inside fields are not trimmed; around the line they are', () => {
    for (const line of [
      'apnic|KP|ipv4| 175.45.176.0|1024|20091221|allocated',
      'apnic|KP |ipv4|175.45.176.0|1024|20091221|allocated',
      'apnic|KP|ipv4|175.45.176.0|1024 |20091221|allocated',
      'apnic|KP|ipv4|175.45.176.0|1024|20091221 |allocated',
      'apnic |KP|ipv4|175.45.176.0|1024|20091221|allocated',
      'apnic|KP|ipv4|175.45.176.0|1024|20091221| allocated',
      'apnic|KP|asn| 131279|1|20091221|allocated',
    ]) {
      expect(both(line).problems).toHaveLength(1);
    }
    const trailing = both('apnic|KP|ipv4|175.45.176.0|1024|20091221|allocated \t');
    expect(trailing.problems).toEqual([]);
    expect(trailing.records).toMatchObject([{ status: 'allocated' }]);
  });

  test('CRLF line ends: the record is the same as with LF', () => {
    const line = 'apnic|KP|ipv4|175.45.176.0|1024|20091221|allocated|A91872ED';
    const crlf = both(`${line}\r`);
    expect(crlf.records).toEqual(both(line).records);
    expect(crlf.records).toMatchObject([{ opaqueId: 'A91872ED', status: 'allocated' }]);
    // A lone CR inside the line is not a line end.
    expect(both('apnic|KP|ipv4|175.45.176.0|1024|20091221|alloc\rated').problems.map((p) => p[0])).toEqual([
      'REGISTRY_BAD_LINE',
    ]);
  });

  test('field counts: 6, 7, 8 (an empty opaque id too), 9 and more', () => {
    const base = 'apnic|KP|ipv4|175.45.176.0|1024|20091221';
    expect(both(base).problems.map((p) => p[0])).toEqual(['REGISTRY_BAD_LINE']);
    expect(both(`${base}|allocated`).records).toMatchObject([{ opaqueId: undefined, extensions: [] }]);
    expect(both(`${base}|allocated|`).records).toMatchObject([{ opaqueId: '', extensions: [] }]);
    expect(both(`${base}|allocated|A91|x|y`).records).toMatchObject([
      { opaqueId: 'A91', extensions: ['x', 'y'] },
    ]);
    expect(both(`${base}|allocated${'|x'.repeat(10)}`).problems.map((p) => p[0])).toEqual([
      'REGISTRY_BAD_LINE',
    ]);
  });

  test('long lines: up to 1024 characters a record, past it a problem', () => {
    const line = 'apnic|KP|ipv4|175.45.176.0|1024|20091221|allocated|';
    // 1023 characters, so that the general parser's copy (a space in front) has 1024.
    const longest = line + 'x'.repeat(1023 - line.length);
    expect(both(longest).records).toMatchObject([{ opaqueId: 'x'.repeat(1023 - line.length) }]);
    const fast1024 = parseDelegated('f', [header, `${longest}y`].join('\n'));
    expect(fast1024.records).toMatchObject([{ opaqueId: `${'x'.repeat(1023 - line.length)}y` }]);
    const fast = parseDelegated('f', [header, `${longest}yz`].join('\n'));
    expect(fast.problems.map((p) => [p.code, p.location.line])).toContainEqual(['REGISTRY_BAD_LINE', 2]);
    expect(fast.records).toEqual([]);
  });

  test('fields of the wrong kind go to the general parser, which reports or reads them', () => {
    const cases: Array<[string, string | undefined]> = [
      ['APNIC|KP|ipv4|175.45.176.0|1024|20091221|allocated', 'REGISTRY_BAD_LINE'],
      ['apnic|K1|ipv4|175.45.176.0|1024|20091221|allocated', 'REGISTRY_UNKNOWN_COUNTRY'],
      ['apnic|KPX|ipv4|175.45.176.0|1024|20091221|allocated', 'REGISTRY_UNKNOWN_COUNTRY'],
      ['apnic|KP|IPV4|175.45.176.0|1024|20091221|allocated', 'REGISTRY_BAD_LINE'],
      ['apnic|KP|ipv4|175.45.176.0|1024|2009122|allocated', 'REGISTRY_BAD_DATE'],
      ['apnic|KP|ipv4|175.45.176.0|1024|200912211|allocated', 'REGISTRY_BAD_DATE'],
      ['apnic|KP|ipv4|175.45.176.0|1024|20091221|allocate', 'REGISTRY_BAD_LINE'],
      ['apnic|KP|ipv4|175.45.176.0|1024|20091221|allocatedd', 'REGISTRY_BAD_LINE'],
      ['apnic|KP|ipv4|175.45.176.0|1e3|20091221|allocated', 'REGISTRY_BAD_RANGE'],
      ['apnic|KP|ipv4|175.45.176.0|1234567890123456|20091221|allocated', 'REGISTRY_BAD_RANGE'],
      ['apnic|KP|ipv4|175.45.176|1024|20091221|allocated', 'REGISTRY_BAD_ADDRESS'],
      ['apnic|KP|ipv4|175.45.176.0.|1024|20091221|allocated', 'REGISTRY_BAD_ADDRESS'],
      ['apnic|KP|ipv4|175.45.176.256|1|20091221|allocated', 'REGISTRY_BAD_ADDRESS'],
      ['apnic|KP|ipv6|175.45.176.0|24|20091221|allocated', 'REGISTRY_BAD_ADDRESS'],
      ['apnic|KP|ipv6|2001:db8:::|32|20091221|allocated', 'REGISTRY_BAD_ADDRESS'],
      ['apnic|KP|ipv6|2001:db8::%eth0|32|20091221|allocated', 'REGISTRY_BAD_ADDRESS'],
      ['apnic|KP|ipv6|12345::|32|20091221|allocated', 'REGISTRY_BAD_ADDRESS'],
      ['apnic|KP|ipv6|1:2:3:4:5:6:7:8::|32|20091221|allocated', 'REGISTRY_BAD_ADDRESS'],
      ['apnic|KP|asn|12345678901|1|20091221|allocated', 'REGISTRY_BAD_RANGE'],
      ['apnic||ipv4|175.45.176.0|1024|20091221|assigned', 'REGISTRY_UNKNOWN_COUNTRY'],
      // Read by the general parser: status in capitals, and IANA's delegations.
      ['apnic|KP|ipv4|175.45.176.0|1024|20091221|Allocated', undefined],
      ['iana|ZZ|ipv4|1.0.0.0|16777216|20100101|apnic', undefined],
      ['apnic|KP|ipv4|175.45.176.0|1024|00000000|allocated', undefined],
      ['apnic||ipv4|175.45.176.0|1024||available', undefined],
    ];
    for (const [line, code] of cases) {
      const { records, problems } = both(line);
      if (code === undefined) {
        expect(problems).toEqual([]);
        expect(records).toHaveLength(1);
      } else {
        expect(problems.map((p) => p[0])).toEqual([code]);
        expect(records).toEqual([]);
      }
    }
    expect(both('apnic|KP|ipv4|175.45.176.0|1024|00000000|allocated').records).toMatchObject([{ date: '' }]);
    expect(both('apnic||ipv4|175.45.176.0|1024||available').records).toMatchObject([
      { recordedCountry: '', country: 'ZZ', date: '', status: 'available' },
    ]);
  });
});

describe('country codes and dates', () => {
  test('the ISO list has the 249 assigned codes; AP, EU and ZZ are accepted, XX and UK are not', () => {
    expect(ISO_COUNTRY_COUNT).toBe(249);
    for (const code of ['KP', 'CN', 'US', 'GB', 'AP', 'EU', 'ZZ'])
      expect(isKnownCountryCode(code)).toBe(true);
    for (const code of ['XX', 'UK', 'kp', 'K', 'KPX', '']) expect(isKnownCountryCode(code)).toBe(false);
  });

  test('checkDate', () => {
    expect(checkDate('20000229')).toBe('20000229');
    expect(checkDate('19000229')).toBeUndefined();
    expect(checkDate('00000000')).toBe('');
    expect(checkDate('')).toBe('');
    expect(checkDate('2019091')).toBeUndefined();
    expect(checkDate('20190931')).toBeUndefined();
  });
});
