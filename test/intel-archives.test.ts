// Enrichment at the case's date (issue 13 point 7): given MRT archives, an IP of a case is placed
// with the RIB and updates last taken at or before the case date, and the answer names them. Real
// archives from data/mrt (2014 RIB, 2015 updates, the 2015-10-23 table holding North Korea's
// prefixes); the cases are synthetic MISP events made here, dated around those archives.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { intelAttribute, intelShow } from '../src/app/index.js';
import { archivesAt } from '../src/app/intel-archives.js';
import { CairnError } from '../src/errors/index.js';
import { readMrtFileHead } from '../src/mrt/index.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'cairn-intel-archives-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ARCHIVES = [
  'data/mrt/pyasn',
  'data/mrt/libbgpstream',
  'data/mrt/ripe-bgpdump/updates.et-header.2015.gz',
];
/** In 175.45.178.0/24, announced by AS131279 through AS4837 in the 2015-10-23 table (PROVENANCE.md). */
const KP_ADDRESS = '175.45.178.1';

/** A synthetic MISP event of one address, dated `date` (or undated). */
function syntheticEvent(name: string, date: string | undefined): string {
  const file = path.join(dir, `${name}.json`);
  const event = {
    Event: {
      info: `synthetic case ${name}`,
      uuid: `5f0c0000-0000-4000-8000-${String(name.length).padStart(12, '0')}`,
      ...(date !== undefined ? { date } : {}),
      Attribute: [{ type: 'ip-dst', category: 'Network activity', to_ids: true, value: KP_ADDRESS }],
    },
  };
  writeFileSync(file, JSON.stringify(event));
  return file;
}

/** Every archive's head, to derive which ones a date should pick. */
async function heads(): Promise<Array<{ file: string; time: number; rib: boolean }>> {
  const { readdirSync, statSync } = await import('node:fs');
  const files = ARCHIVES.flatMap((p) =>
    statSync(p).isDirectory() ? readdirSync(p).map((f) => path.join(p, f)) : [p],
  );
  const out = [];
  for (const file of files) {
    const h = await readMrtFileHead(file);
    if (h.time > 0) out.push({ file, time: h.time, rib: h.rib });
  }
  return out;
}

describe('routing archives at the case date', () => {
  it('a case of 24 Oct 2015: the last RIB before it and the updates after it, in time order', async () => {
    const all = await heads();
    const at = Date.parse('2015-10-24') / 1000;
    const ribs = all.filter((h) => h.rib && h.time <= at).sort((a, b) => a.time - b.time);
    const rib = ribs[ribs.length - 1];
    const updates = all
      .filter((h) => !h.rib && h.time >= rib.time && h.time <= at)
      .sort((a, b) => a.time - b.time || a.file.localeCompare(b.file));
    expect(rib.file).toContain('rib.20140523');
    expect(updates.length).toBeGreaterThanOrEqual(3);
    const shown = await intelShow({ case: syntheticEvent('kp-2015', '2015-10-24'), archives: ARCHIVES });
    expect(shown.routing?.date).toBe('2015-10-24T00:00:00.000Z');
    expect(shown.routing?.archives.map((a) => a.file)).toEqual([rib.file, ...updates.map((u) => u.file)]);
    expect(shown.routing?.archives[0]).toEqual({
      file: rib.file,
      time: new Date(rib.time * 1000).toISOString(),
      kind: 'rib',
    });
    const ip = shown.indicators.find((i) => i.value === KP_ADDRESS)!.enrichment!;
    expect(ip.prefix).toBe('175.45.178.0/24');
    expect(ip.originAsns).toEqual([131279]);
    expect(ip.upstreams).toContain(4837);
    expect(ip.country).toBe('KP');
  }, 300_000);

  it('a case of June 2014: only the May 2014 RIB, which does not hold the /24 of the address; the answer says so', async () => {
    const theCase = syntheticEvent('kp-2014', '2014-06-01');
    const shown = await intelShow({ case: theCase, archives: ARCHIVES });
    expect(shown.routing?.archives.map((a) => a.kind)).toEqual(['rib']);
    expect(shown.routing?.archives[0].file).toContain('rib.20140523');
    // The first megabyte of the 2014 table stops well before 175.0.0.0/8: only a default route
    // covers the address there, not North Korea's /24 and its origin.
    const ip = shown.indicators.find((i) => i.value === KP_ADDRESS)!.enrichment!;
    expect(ip.prefix).not.toBe('175.45.178.0/24');
    expect(ip.originAsns).not.toContain(131279);
    expect(ip.country).toBe('KP');
    // --as-of moves the date: the same case read as of 24 Oct 2015 is placed.
    const later = await intelAttribute({ case: theCase, archives: ARCHIVES, asOf: '2015-10-24' });
    expect(later.result.routing?.archives.some((a) => a.file.endsWith('updates.et-header.2015.gz'))).toBe(
      true,
    );
  }, 300_000);

  it('no archive before the date is INTEL_NO_ARCHIVE; an undated case without --as-of is INTEL_NO_CASE_DATE', async () => {
    const early = await intelShow({
      case: syntheticEvent('kp-1999', '1999-01-01'),
      archives: ARCHIVES,
    }).catch((e: unknown) => e);
    expect((early as CairnError).code).toBe('INTEL_NO_ARCHIVE');
    const undated = await intelShow({
      case: syntheticEvent('kp-undated', undefined),
      archives: ARCHIVES,
    }).catch((e: unknown) => e);
    expect((undated as CairnError).code).toBe('INTEL_NO_CASE_DATE');
    await expect(archivesAt(ARCHIVES, 'not a date')).rejects.toThrow(/not a date/);
  }, 300_000);
});
