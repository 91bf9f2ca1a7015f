import { describe, expect, it } from 'vitest';
import { mrtPath, readGzOrPlain } from '../../test/fixtures/mrt-records.js';
import { MrtDecoder, type MrtProblem } from './decoder.js';
import { MrtFramer } from './reader.js';

/** Every element (type, prefix, time, peer) and every problem (code, offset), pushing `bytes` in pieces. */
function decode(bytes: Uint8Array, pieces: (offset: number) => number): string[] {
  const out: string[] = [];
  const onProblem = (problem: MrtProblem): void => {
    out.push(`problem ${problem.code} @${problem.location.offset ?? '?'}`);
  };
  const decoder = new MrtDecoder(
    'sample',
    {
      onElement(cursor) {
        out.push(
          `${cursor.type} ${cursor.timestamp} ${cursor.prefixLength} ${cursor.prefixBytes.slice(0, 4).join('.')}`,
        );
      },
      onProblem,
    },
    {},
  );
  const framer = new MrtFramer(decoder, { onProblem });
  for (let at = 0; at < bytes.length;) {
    const size = Math.max(1, pieces(at));
    framer.push(bytes.subarray(at, at + size));
    at += size;
  }
  framer.finish();
  out.push(`records ${framer.records}`);
  return out;
}

describe('MrtFramer', () => {
  it('decodes the same records however the stream is cut into chunks', () => {
    const bytes = readGzOrPlain(mrtPath('ripe-bgpdump/updates.20160811.1600.gz')).subarray(0, 400_000);
    const whole = decode(bytes, () => bytes.length);
    expect(whole.length).toBeGreaterThan(1000);
    let seed = 12345;
    const random = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed;
    };
    for (const pieces of [() => 1, () => 11, () => 12, () => 13, () => 4096, () => 1 + (random() % 3000)])
      expect(decode(bytes, pieces)).toEqual(whole);
  });

  it('reports a truncated last record at the same offset however the stream is cut', () => {
    const bytes = readGzOrPlain(mrtPath('ripe-bgpdump/updates.20160811.1600.gz')).subarray(0, 100_003);
    const whole = decode(bytes, () => bytes.length);
    expect(whole.some((line) => line.startsWith('problem MRT_TRUNCATED_RECORD'))).toBe(true);
    for (const size of [1, 12, 13, 777]) expect(decode(bytes, () => size)).toEqual(whole);
  });
});
