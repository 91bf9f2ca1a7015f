/**
 * Fuzz test of the MRT decoder: thousands of deterministic mutations (seeded PRNG) of real
 * records from the bundled corpus: truncations at every offset, MRT bodies shrunk to the cut,
 * length and count fields set to 0 / max / off by one, bit flips, and splices of two records.
 * For every case the decoder must not throw in default mode, throw only CairnErrors in strict
 * mode, stay bounded (elements <= input bytes), report every problem with code, file, offset
 * inside the input and record type, and every element must format (bgpdump text and JSON).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CairnError } from '../src/errors/index.js';
import {
  BgpdumpFormatter,
  openByteSource,
  scanMrtBytesSync,
  type ElementVisitor,
  type ScanSummary,
} from '../src/mrt/index.js';
import { RoutingTable } from '../src/routing/index.js';
import { mutateUnit, recordFields, splice, type Case, type Unit } from './fixtures/mrt-mutations.js';
import { prng } from './fixtures/prng.js';
import { mrtPath, readGzOrPlain, walkRecords } from './fixtures/mrt-records.js';

const SEED = 0x5eed2014;

async function decompress(path: string): Promise<Uint8Array> {
  if (!path.endsWith('.bz2')) return readGzOrPlain(path);
  const source = await openByteSource(path);
  const chunks: Uint8Array[] = [];
  try {
    for await (const chunk of source.chunks()) chunks.push(chunk.slice());
  } finally {
    await source.close();
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/** Source files and how many records to take from each (spread over the file). */
const SOURCES: [string, number][] = [
  ['mrtparse-samples/openbgpd_rib_table', 6], // TABLE_DUMP v1, IPv4 and IPv6
  ['mrtparse-samples/quagga_rib', 6], // TABLE_DUMP_V2 with peer table, 4-byte ASNs
  ['ripe-bgpdump/bview.ipv4_unicast_add_path.gz', 4], // TABLE_DUMP_V2 ADD-PATH
  ['ripe-bgpdump/bview.ipv6_unicast_add_path.gz', 4],
  ['mrtparse-samples/openbgpd_rib_table-v2', 5], // incl. RIB_GENERIC
  ['mrtparse-samples/bird_bgp', 8], // BGP4MP MESSAGE(_AS4), STATE_CHANGE_AS4, all message types
  ['mrtparse-samples/bird6_bgp', 6],
  ['mrtparse-samples/bird-mrtdump_bgp', 6], // BGP4MP MESSAGE_AS4_ADDPATH
  ['ripe-bgpdump/updates.20071015.1505.gz', 8], // 2-byte MESSAGE with AS4_PATH, MESSAGE_AS4
  ['bgpkit/local_only/updates.bz2', 6], // BGP4MP_ET MESSAGE_AS4, IPv6 MP_REACH
  ['bgpkit/ripe/rrc00/1999.12/updates.19991214.1621.gz', 8], // legacy type-5 BGP records
  ['bgpkit/ripe/rrc01/2000.11/updates.20001104.0124.gz', 4], // 8-byte Zebra STATE_CHANGE
  ['mrtparse-samples/openbgpd_rib_table-mp', 3], // BGP4MP_ENTRY
];

const units: Unit[] = [];

beforeAll(async () => {
  const random = prng(SEED);
  for (const [relative, count] of SOURCES) {
    const bytes = await decompress(mrtPath(relative));
    const records = walkRecords(bytes);
    expect(records.length).toBeGreaterThan(0);
    // First records, plus some picked at random (all types of a file show up early or spread).
    const picks = new Set<number>();
    for (let i = 0; i < Math.min(count, records.length); i++) picks.add(i);
    for (let i = 0; i < count; i++) picks.add(Math.floor(random() * records.length));
    let peerTable: Uint8Array | undefined;
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      const record = bytes.slice(r.offset, r.end);
      if (r.type === 13 && r.subtype === 1) peerTable = record;
      if (!picks.has(i)) continue;
      // A RIB record comes with its PEER_INDEX_TABLE so that the RIB decoder is reached.
      const withTable = r.type === 13 && r.subtype !== 1 && peerTable !== undefined;
      const unitBytes = withTable ? concat(peerTable!, record) : record;
      const ribAt = withTable ? peerTable!.length : 0;
      const fields = withTable
        ? [...recordFields(unitBytes, 0), ...recordFields(unitBytes, ribAt)]
        : recordFields(unitBytes, 0);
      units.push({ source: `${relative}@${r.offset}`, bytes: unitBytes, fields });
    }
  }
});

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

const CODE = /^[A-Z][A-Z0-9_]+$/;
const RECORD_TYPE = /^[A-Z][A-Z0-9_]*\/[A-Za-z0-9_]+$/;

/** Runs one case in default (both readings of NLRI) and strict mode; returns what went wrong. */
function runCase(c: Case, formatter: BgpdumpFormatter, codes: Set<string>): string[] {
  const failures: string[] = [];
  const size = c.bytes.length;
  let defaultSummary: ScanSummary | undefined;
  for (const bgpdumpCompatible of [false, true]) {
    let elements = 0;
    // The routing table takes the elements too, with its look-ahead over the raw NLRI runs.
    const table = new RoutingTable();
    const tableVisitor = table.visitor();
    try {
      const visit: ElementVisitor = (cursor, decoder) => {
        elements++;
        formatter.format(cursor, decoder.attributeGeneration);
        JSON.stringify(cursor.toElement());
        cursor.prefix();
        cursor.nextHop();
        tableVisitor(cursor, decoder);
      };
      const summary = scanMrtBytesSync(c.name, c.bytes, visit, { bgpdumpCompatible, keepProblems: 100_000 });
      if (!bgpdumpCompatible) defaultSummary = summary;
      // The table keeps attribute sets as bytes and decodes them on use: decode every route's.
      table.forEachRoute((_prefix, _peer, attributesId) => table.attributes(attributesId));
      table.decodeAllAttributes();
      if (summary.elements !== elements)
        failures.push(`element count ${summary.elements} != visits ${elements}`);
      if (elements > size) failures.push(`${elements} elements from ${size} bytes`);
      if (summary.problems.length !== summary.problemCount) failures.push('problems not all kept');
      for (const problem of summary.problems) {
        codes.add(problem.code);
        const where = `${problem.code} ${JSON.stringify(problem.location)}`;
        if (!(problem instanceof CairnError))
          failures.push(`problem is not a CairnError: ${String(problem)}`);
        if (!CODE.test(problem.code)) failures.push(`bad code: ${where}`);
        if (problem.location.file !== c.name) failures.push(`bad file: ${where}`);
        const offset = problem.location.offset;
        if (offset === undefined || !Number.isInteger(offset) || offset < 0 || offset > size)
          failures.push(`offset outside the input (${size} bytes): ${where}`);
        // Every problem found after a record header was read names the record type; only a
        // header cut short, or the end of data inside a record being skipped, has none.
        const headerless =
          problem.code === 'MRT_TRUNCATED_HEADER' ||
          (problem.code === 'MRT_TRUNCATED_RECORD' && problem.message.includes('skipped record'));
        const recordType = problem.location.recordType;
        if (!headerless && (recordType === undefined || !RECORD_TYPE.test(recordType)))
          failures.push(`missing or bad record type: ${where}`);
        if (problem.code === 'MRT_DECODE_FAILED')
          failures.push(`decoder threw internally: ${problem.message}`);
      }
    } catch (error) {
      failures.push(`default mode threw: ${error instanceof Error ? error.stack : String(error)}`);
    }
  }
  try {
    scanMrtBytesSync(c.name, c.bytes, () => undefined, { strict: true });
    if (defaultSummary !== undefined && defaultSummary.problemCount > 0)
      failures.push(`strict mode passed over ${defaultSummary.problemCount} problems`);
  } catch (error) {
    if (!(error instanceof CairnError)) failures.push(`strict mode threw a non-CairnError: ${String(error)}`);
    else {
      const offset = error.location.offset;
      if (error.location.file !== c.name || offset === undefined || offset < 0 || offset > size)
        failures.push(`strict error without location: ${error.describe()}`);
    }
    if (defaultSummary !== undefined && defaultSummary.problemCount === 0)
      failures.push(`strict mode threw on an input without problems: ${String(error)}`);
  }
  return failures.map((f) => `${c.name}: ${f}`);
}

describe('MRT decoder fuzz (deterministic mutations of real records)', () => {
  it('never throws, stays bounded, locates every problem, formats every element', () => {
    const random = prng(SEED + 1);
    const formatter = new BgpdumpFormatter();
    const failures: string[] = [];
    const kinds = new Map<string, number>();
    const problemCodes = new Set<string>();
    let cases = 0;
    const heapBefore = process.memoryUsage().heapUsed;
    let heapPeak = heapBefore;
    const run = (c: Case): void => {
      cases++;
      const kind = c.name.split('/').at(-1)!.split('@')[0];
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      failures.push(...runCase(c, formatter, problemCodes));
      if (cases % 2000 === 0) heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
    };
    expect(units.length).toBeGreaterThan(60);
    for (const unit of units) for (const c of mutateUnit(unit, random, 40)) run(c);
    for (let i = 0; i < 1500; i++) {
      const a = units[Math.floor(random() * units.length)];
      const b = units[Math.floor(random() * units.length)];
      run(splice(a, b, random));
    }
    // Whole units back to back, with one record's header damaged in the middle: the decoder
    // must go on with the records after it when the length still frames them.
    for (let i = 0; i < 300; i++) {
      const picked = [0, 1, 2].map(() => units[Math.floor(random() * units.length)].bytes);
      const bytes = concat(concat(picked[0], picked[1]), picked[2]);
      const at = picked[0].length + 4 + Math.floor(random() * 4);
      bytes[at] = Math.floor(random() * 256);
      run({ name: `synthetic/concat-bad-type/${i}@${at}`, bytes });
    }
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);

    // One example per kind of failure (the case name holds the bytes' recipe).
    const byKind = new Map<string, string>();
    for (const failure of failures) {
      const kind = failure
        .slice(failure.indexOf(': ') + 2)
        .replace(/"file":"[^"]*"/, '')
        .replace(/[0-9]+/g, 'N');
      if (!byKind.has(kind)) byKind.set(kind, failure);
    }
    expect([...byKind.values()]).toEqual([]);
    expect(cases).toBeGreaterThan(5000);
    for (const kind of [
      'truncate',
      'shrink',
      'flip',
      'MRT length',
      'peer count',
      'RIB entry count',
      'AS path segment count',
      'NLRI prefix length',
      'attribute 2 length',
      'BGP length',
      'total attribute length',
      'withdrawn routes length',
      'MP_REACH next hop length',
    ]) {
      expect(kinds.get(kind) ?? 0, kind).toBeGreaterThan(0);
    }
    for (const code of [
      'MRT_TRUNCATED_RECORD',
      'MRT_TRUNCATED_HEADER',
      'MRT_RECORD_TOO_LARGE',
      'BGP_BAD_MARKER',
      'BGP_TRUNCATED_NLRI',
      'BGP_ATTR_LENGTH',
      'MRT_BAD_ATTRIBUTE_LENGTH',
    ]) {
      expect(problemCodes.has(code), code).toBe(true);
    }
    // Memory stays flat: nothing is kept from one case to the next beyond counters.
    expect(heapPeak - heapBefore).toBeLessThan(200 * 1024 * 1024);
  });
});
