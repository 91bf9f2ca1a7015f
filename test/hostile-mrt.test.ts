/**
 * Hostile MRT streams (issue 18, point 3): a run of zeros or of records no decoder reads is one
 * summarised problem with its first offset and count, not one per 12 bytes, and the records after
 * it are still read; a record beyond the configured maximum is skipped with its offset, and the
 * rest of the file read. All streams are synthetic (zeros, a made-up type) around real records
 * from data/mrt. A damaged bzip2 block gives the same bytes and the same error from the
 * decompressors that check a block before delivering it (what comes before the block, then
 * MRT_CORRUPT_STREAM).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { scanMrt, scanMrtBuffer, type ScanSummary } from '../src/mrt/index.js';

const ROOT = join(import.meta.dirname, '..');
const REAL = gunzipSync(readFileSync(join(ROOT, 'data/mrt/libbgpstream/ris.rrc06.updates.1427846400.gz')));
const dir = mkdtempSync(join(tmpdir(), 'cairn-hostile-mrt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function scanBytes(bytes: Uint8Array, maxRecordLength?: number): Promise<ScanSummary> {
  const file = join(dir, `synthetic-${bytes.length}.mrt.gz`);
  writeFileSync(file, gzipSync(bytes, { level: 1 }));
  return scanMrt(file, () => {}, { maxRecordLength });
}

/** A synthetic record of MRT type 99 (not one cairn decodes) with a body of `bodyLength` bytes. */
function unknownRecord(bodyLength: number): Buffer {
  const record = Buffer.alloc(12 + bodyLength, 0x5a);
  record.writeUInt32BE(1_400_000_000, 0);
  record.writeUInt16BE(99, 4);
  record.writeUInt16BE(0, 6);
  record.writeUInt32BE(bodyLength, 8);
  return record;
}

describe('runs of zeros and of undecoded records', () => {
  it('21 MB of zeros before real records: one problem with offset and count, then every element', async () => {
    const reference = await scanMrtBuffer('real', REAL, () => {});
    expect(reference.elements).toBeGreaterThan(100);
    const zeros = Buffer.alloc(12 * 1_750_000);
    const summary = await scanBytes(Buffer.concat([zeros, REAL]));
    expect(summary.elements).toBe(reference.elements);
    expect(summary.problemCount).toBe(reference.problemCount + 1);
    const run = summary.problems.find((p) => p.code === 'MRT_UNKNOWN_TYPE');
    expect(run?.location.offset).toBe(0);
    expect(run?.location.file).toMatch(/synthetic-.*\.mrt\.gz$/);
    expect(run?.message).toContain(`${zeros.length / 12} consecutive records`);
    expect(run?.message).toContain(`${zeros.length} bytes from offset 0`);
  });

  it('zeros between real records are located at their first byte', async () => {
    const zeros = Buffer.alloc(12 * 1000);
    const summary = await scanBytes(Buffer.concat([REAL, zeros, REAL]));
    const reference = await scanMrtBuffer('real', REAL, () => {});
    expect(summary.elements).toBe(2 * reference.elements);
    const runs = summary.problems.filter((p) => p.code === 'MRT_UNKNOWN_TYPE');
    expect(runs).toHaveLength(1);
    expect(runs[0].location.offset).toBe(REAL.length);
    expect(runs[0].message).toContain('1000 consecutive records');
  });

  it('one record of an unknown type is still reported alone, with its type', async () => {
    const summary = await scanBytes(Buffer.concat([unknownRecord(40), REAL]));
    const unknown = summary.problems.filter((p) => p.code === 'MRT_UNKNOWN_TYPE');
    expect(unknown).toHaveLength(1);
    expect(unknown[0].message).toBe('unknown MRT type 99 (record skipped)');
    expect(unknown[0].location.offset).toBe(0);
  });

  it('strict mode stops at the run, naming its offset', async () => {
    const file = join(dir, 'strict-zeros.mrt.gz');
    writeFileSync(file, gzipSync(Buffer.concat([REAL, Buffer.alloc(1200), REAL])));
    await expect(scanMrt(file, () => {}, { strict: true })).rejects.toMatchObject({
      code: 'MRT_UNKNOWN_TYPE',
      location: { offset: REAL.length },
    });
  });
});

describe('records beyond the maximum record length', () => {
  it('are skipped with their offset and the configured limit, and the rest of the file is read', async () => {
    const reference = await scanMrtBuffer('real', REAL, () => {});
    const large = unknownRecord(2 * 1024 * 1024);
    const summary = await scanBytes(Buffer.concat([REAL, large, REAL]), 1024 * 1024);
    expect(summary.elements).toBe(2 * reference.elements);
    const tooLarge = summary.problems.filter((p) => p.code === 'MRT_RECORD_TOO_LARGE');
    expect(tooLarge).toHaveLength(1);
    expect(tooLarge[0].location.offset).toBe(REAL.length);
    expect(tooLarge[0].message).toContain(`limit ${1024 * 1024}`);
  });

  it('a record just under the limit is assembled across many chunks, byte for byte', async () => {
    const body = 4 * 1024 * 1024;
    const record = unknownRecord(body);
    const summary = await scanBytes(Buffer.concat([record, REAL]), body);
    expect(summary.problems.find((p) => p.code === 'MRT_RECORD_TOO_LARGE')).toBeUndefined();
    expect(summary.problems.filter((p) => p.code === 'MRT_UNKNOWN_TYPE')).toHaveLength(1);
    expect(summary.records).toBe(1 + (await scanMrtBuffer('real', REAL, () => {})).records);
  });
});

describe('a damaged bzip2 block gives one behaviour across decompressors', () => {
  // The bzip2 tool is left out: it writes a damaged block's bytes before it finds the CRC
  // mismatch (byte-source.ts, "Known limits"), so it delivers up to one block more.
  it('auto, lbzip2 and js deliver the same bytes, then the same error at the same place', async () => {
    // 40 copies of a real update file, compressed in 100 kB blocks: about 35 blocks.
    const raw = Buffer.concat(Array.from({ length: 40 }, () => REAL));
    const compressed = execFileSync('bzip2', ['-1', '-c'], { input: raw, maxBuffer: 1 << 28 });
    for (const fraction of [0.04, 0.3, 0.7]) {
      const damaged = Buffer.from(compressed);
      damaged[Math.floor(damaged.length * fraction)] ^= 0x55;
      const file = join(dir, `damaged-${fraction}.mrt.bz2`);
      writeFileSync(file, damaged);
      const outcomes: string[] = [];
      for (const decompressor of ['auto', 'lbzip2', 'js'] as const) {
        const summary = await scanMrt(file, () => {}, { decompressor });
        const corrupt = summary.problems.find((p) => p.code === 'MRT_CORRUPT_STREAM');
        expect(corrupt, `${fraction} ${decompressor}`).toBeDefined();
        expect(corrupt!.location.file).toBe(file);
        outcomes.push(
          `${summary.bytes} bytes ${summary.records} records ${summary.elements} elements; ${corrupt!.location.offset}`,
        );
      }
      expect(new Set(outcomes).size, `${fraction}: ${outcomes.join(' | ')}`).toBe(1);
    }
  });
});
