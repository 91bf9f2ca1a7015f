/**
 * observatory's HistoryRecorder keeps its group totals as counters changed by each changed prefix
 * (the default), or recounts, after the first pass, only the groups (countries, origin ASes) a
 * changed prefix is or was counted in (`incremental`). The records of either must be those of a
 * recorder that recounts every group every bin (`counters: false`): the same visibility points (the
 * same floating-point sums, in the same order), changes, dependency snapshots and resets, file by
 * file, on real RIPE files of data/ in time order (update files, a RIB dump after updates, more
 * peers arriving, a session reset), with short bins so that most bins change few prefixes. Every
 * country of the bundled APNIC registry of 2014-10-09 is counted.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegistryFiles } from '../src/app/index.js';
import { scanMrt } from '../src/mrt/index.js';
import { HistoryRecorder, type HistoryRecords } from '../src/observatory/index.js';
import type { Registry } from '../src/registry/index.js';
import { RoutingTable } from '../src/routing/index.js';

const data = (name: string): string => fileURLToPath(new URL(`../data/${name}`, import.meta.url));

let registry: Registry;
beforeAll(async () => {
  registry = (await loadRegistryFiles([data('registry/delegated-apnic-20141009.gz')])).registry;
});

/** The records of each file, and the recorder's pass counts. */
async function record(
  files: readonly string[],
  totals: 'full' | 'incremental' | 'counters',
): Promise<{ perFile: HistoryRecords[]; passes: { full: number; changed: number } }> {
  const table = new RoutingTable();
  const recorder = new HistoryRecorder(table, registry, {
    binSeconds: 30,
    incremental: totals === 'incremental',
    counters: totals === 'counters',
  });
  const perFile: HistoryRecords[] = [];
  for (const file of files) {
    await scanMrt(data(file), (cursor, decoder) => {
      recorder.advance(cursor.timestamp);
      table.ingest(cursor, decoder);
    });
    recorder.flush();
    perFile.push(recorder.take());
  }
  recorder.close();
  return { perFile, passes: { ...recorder.passes } };
}

/**
 * The reference records (every group recounted every bin) of each file list, computed once for the
 * two ways of keeping totals compared with them: the tests only read them.
 */
const references = new Map<string, ReturnType<typeof record>>();
function referenceRecords(files: readonly string[]): ReturnType<typeof record> {
  const key = files.join('\n');
  let reference = references.get(key);
  if (reference === undefined) references.set(key, (reference = record(files, 'full')));
  return reference;
}
afterAll(() => references.clear());

describe('history totals kept by counters or recounted incrementally = totals recounted over every prefix', () => {
  for (const [name, files] of Object.entries({
    'real RIPE updates then a RIB dump (2002)': [
      'mrt/ripe-bgpdump/updates.20020722.2238.gz',
      'mrt/ripe-bgpdump/bview.20020722.2337.gz',
    ],
    // The second file brings more peers than the first pass's bit columns hold (counters widen them).
    'real RIPE update files of 2002 then 2016 (10 peers, then 50)': [
      'mrt/ripe-bgpdump/updates.20020722.2238.gz',
      'mrt/ripe-bgpdump/updates.20160811.1600.gz',
    ],
    'real RIS update files with a session reset (rrc15, 2010)': [
      'mrt/bgpkit/ripe/rrc15/2010.02/updates.20100227.1600.gz',
      'mrt/bgpkit/ripe/rrc15/2010.02/updates.20100227.1610.gz',
    ],
  }))
    for (const totals of ['incremental', 'counters'] as const)
      it(`${totals}, on ${name}, file by file`, async () => {
        const reference = await referenceRecords(files);
        const incremental = await record(files, totals);
        expect(reference.passes.changed).toBe(0);
        // The comparison is of the incremental path, not of full passes on both sides.
        expect(incremental.passes.changed).toBeGreaterThan(incremental.passes.full);
        expect(incremental.perFile.length).toBe(files.length);
        incremental.perFile.forEach((records, i) => {
          const expected = reference.perFile[i];
          expect(records.bins, `bins of ${files[i]}`).toEqual(expected.bins);
          expect(records.visibility.length, `points of ${files[i]}`).toBe(expected.visibility.length);
          records.visibility.forEach((point, k) =>
            expect(point, `point ${k} of ${files[i]}`).toEqual(expected.visibility[k]),
          );
          expect(records.changes, `changes of ${files[i]}`).toEqual(expected.changes);
          expect(records.dependency, `dependency of ${files[i]}`).toEqual(expected.dependency);
          expect(records.resets, `resets of ${files[i]}`).toEqual(expected.resets);
        });
        const countryPoints = reference.perFile
          .flatMap((r) => r.visibility)
          .filter((p) => p.scope === 'country');
        const asPoints = reference.perFile.flatMap((r) => r.visibility).filter((p) => p.scope === 'asn');
        expect(countryPoints.length).toBeGreaterThan(0);
        expect(asPoints.length).toBeGreaterThan(countryPoints.length);
      }, 300_000);
});
