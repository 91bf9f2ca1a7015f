/**
 * Each record-type file alone, on real records: the records of a file are cut by the test's own
 * header walk (test/fixtures/mrt-records.ts) and handed to one layer's function, bypassing the
 * framing and the dispatcher; the elements are printed with the bgpdump formatter and compared
 * with Debian bgpdump 1.6.2's golden output of the file.
 */
import { describe, expect, it } from 'vitest';
import {
  expectedBgpdumpLines,
  mrtPath,
  readGzOrPlain,
  walkRecords,
} from '../../test/fixtures/mrt-records.js';
import { decodeBgp4mp } from './bgp4mp.js';
import { BgpdumpFormatter } from './bgpdump.js';
import { RecordContext } from './record.js';
import { decodeTableDumpV2 } from './table-dump-v2.js';
import { UpdateElements } from './update-elements.js';

type Layer = (r: RecordContext, updates: UpdateElements, start: number, end: number) => void;

function decodeWith(relative: string, layer: Layer): { lines: string[]; problems: string[] } {
  const bytes = readGzOrPlain(mrtPath(relative));
  const formatter = new BgpdumpFormatter();
  const lines: string[] = [];
  const problems: string[] = [];
  const r: RecordContext = new RecordContext(relative, {
    onElement(cursor) {
      const line = formatter.format(cursor, r.attributeGeneration);
      if (line !== undefined) lines.push(line);
    },
    onProblem: (problem) => problems.push(problem.code),
  });
  const updates = new UpdateElements(r);
  for (const record of walkRecords(bytes)) {
    // What decoder.ts does for every record before it dispatches (no BGP4MP_ET in these files).
    r.buf = bytes;
    r.recordStart = record.offset;
    Object.assign(r.header, {
      timestamp: record.timestamp,
      type: record.type,
      subtype: record.subtype,
      length: record.end - record.bodyStart,
      offset: record.offset,
    });
    Object.assign(r.cursor, {
      mrtType: record.type,
      mrtSubtype: record.subtype,
      recordOffset: record.offset,
      recordLength: record.end - record.bodyStart,
      timestamp: record.timestamp,
      hasPathId: false,
      attributes: undefined,
    });
    layer(r, updates, record.bodyStart, record.end);
  }
  return { lines, problems };
}

describe('table-dump-v2.ts alone', () => {
  for (const relative of [
    'ripe-bgpdump/bview.ipv4_unicast_add_path.gz',
    'ripe-bgpdump/bview.ipv6_unicast_add_path.gz',
  ]) {
    it(`decodes ${relative} (peer table, ADD-PATH RIB entries) as bgpdump prints it`, () => {
      const { lines, problems } = decodeWith(relative, (r, _updates, start, end) =>
        decodeTableDumpV2(r, start, end),
      );
      expect(problems).toEqual([]);
      expect(lines).toEqual(expectedBgpdumpLines(relative));
    });
  }
});

describe('bgp4mp.ts alone', () => {
  for (const relative of ['ripe-bgpdump/updates.20100722.2015.gz', 'ripe-bgpdump/updates.20020722.2238.gz']) {
    it(`decodes ${relative} (messages, AS4 messages, state changes) as bgpdump prints it`, () => {
      const { lines } = decodeWith(relative, decodeBgp4mp);
      expect(lines.length).toBeGreaterThan(100);
      expect(lines).toEqual(expectedBgpdumpLines(relative));
    });
  }
});
