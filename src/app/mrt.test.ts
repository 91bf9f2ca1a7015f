/**
 * app's MRT questions against bgpdump: `dumpMrt` writes what `bgpdump -m` prints (and filters as
 * a plain split of its lines does), `mrtStats` counts what its text shows.
 */
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bgpdumpTextAsync } from '../../test/bgpdump-reference.js';
import type { CairnError } from '../errors/index.js';
import { dumpMrt, elementPredicate, mrtStats } from './mrt.js';

const mrt = (path: string): string => fileURLToPath(new URL(`../../data/mrt/${path}`, import.meta.url));
const UPDATES = mrt('ripe-bgpdump/updates.et-header.2015.gz');

/**
 * bgpdump -m's text of a file, run once per file (two tests read the updates file's) in a child
 * process that works while the file is decoded here.
 */
const bgpdumpRuns = new Map<string, Promise<string>>();
afterAll(() => bgpdumpRuns.clear());

function bgpdump(file: string): Promise<string> {
  let run = bgpdumpRuns.get(file);
  if (run === undefined) {
    run = bgpdumpTextAsync(file);
    run.catch(() => undefined); // reported by the test that awaits it
    bgpdumpRuns.set(file, run);
  }
  return run;
}

/** A sink that keeps what is written. */
function sink(): { stream: PassThrough; text(): string } {
  const chunks: Buffer[] = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('dumpMrt', () => {
  it('writes what bgpdump -m prints, for an update file and a cut RIB', async () => {
    for (const file of [UPDATES, mrt('pyasn/rib.20140523.0600_firstMB.bz2')]) {
      const reference = bgpdump(file);
      const out = sink();
      const problems: string[] = [];
      const summary = await dumpMrt({ files: [file] }, out.stream, {
        onProblem: (p) => problems.push(p.code),
      });
      expect(out.text() === (await reference)).toBe(true);
      expect(summary).toEqual({ files: 1, problems: problems.length, outputClosed: false });
    }
  });

  it('filters as a split of bgpdump lines does, and writes JSON lines with the same facts', async () => {
    const lines = (await bgpdump(UPDATES)).trim().split('\n');
    const kp = lines.filter((l) => /^[^|]*\|[^|]*\|A\|[^|]*\|[^|]*\|175\.45\.17[6-9]\.0\/24\|/.test(l));
    expect(kp).toHaveLength(4);
    const out = sink();
    await dumpMrt(
      { files: [UPDATES], format: 'jsonl', type: ['A'], prefix: ['175.45.176.0/22'] },
      out.stream,
    );
    const elements = out
      .text()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { prefix: string; asPath: string; peerAsn: number; nextHop: string });
    expect(elements.map((e) => [e.prefix, e.asPath, String(e.peerAsn), e.nextHop])).toEqual(
      kp.map((l) => {
        const f = l.split('|');
        return [f[5], f[6], f[4], f[8]];
      }),
    );
    const withdrawals = sink();
    await dumpMrt({ files: [UPDATES], type: ['W'] }, withdrawals.stream);
    expect(withdrawals.text().trim().split('\n')).toEqual(lines.filter((l) => l.split('|')[2] === 'W'));
    const byOrigin = sink();
    await dumpMrt({ files: [UPDATES], originAs: ['AS131279'], peerAs: [3856] }, byOrigin.stream);
    expect(byOrigin.text().trim().split('\n')).toEqual(kp);
  });

  it('reports problems and goes on; under strict throws the first after writing what came before', async () => {
    const file = mrt('pyasn/bview.20140112.1600_3samples.bz2');
    const codes: string[] = [];
    await dumpMrt({ files: [file] }, sink().stream, { onProblem: (p) => codes.push(p.code) });
    expect(codes).toEqual(['MRT_NO_PEER_INDEX', 'MRT_NO_PEER_INDEX', 'MRT_NO_PEER_INDEX']);
    await expect(dumpMrt({ files: [file], strict: true }, sink().stream)).rejects.toMatchObject({
      code: 'MRT_NO_PEER_INDEX',
      location: { offset: 0 },
    });
  });

  it('rejects a filter that does not parse before reading anything', () => {
    expect(() => elementPredicate({ prefix: ['300.1.2.0/24'] })).toThrow(
      expect.objectContaining({ code: 'NET_BAD_PREFIX' }),
    );
    expect(() => elementPredicate({ peerAs: ['AS-1'] })).toThrow(
      expect.objectContaining({ code: expect.stringMatching(/ASN/) }),
    );
  });
});

describe('mrtStats', () => {
  it('counts records, elements, peers and prefixes as bgpdump text shows them', async () => {
    const file = mrt('ripe-bgpdump/updates.20100722.2015.gz');
    const lines = (await bgpdump(file)).trim().split('\n');
    const fields = lines.map((l) => l.split('|'));
    const count = (type: string): number => fields.filter((f) => f[2] === type).length;
    const reports: number[] = [];
    const done: string[] = [];
    const stats = await mrtStats(
      { file },
      { onProgress: (r) => reports.push(r.done), onDone: (label) => done.push(label) },
    );
    expect(stats.elements).toEqual({ A: count('A'), W: count('W'), B: 0, STATE: count('STATE') });
    expect(stats.peers).toBe(new Set(fields.map((f) => `${f[3]}|${f[4]}`)).size);
    const prefixes = new Set(fields.filter((f) => f[2] === 'A' || f[2] === 'W').map((f) => f[5]));
    expect(stats.ipv4Prefixes).toBe([...prefixes].filter((p) => !p.includes(':')).length);
    expect(stats.ipv6Prefixes).toBe([...prefixes].filter((p) => p.includes(':')).length);
    expect(stats.firstTimestamp).toBe(new Date(Number(fields[0][1]) * 1000).toISOString());
    expect(stats.lastTimestamp).toBe(new Date(Number(fields[fields.length - 1][1]) * 1000).toISOString());
    expect(stats.problems).toEqual({ count: 0, byCode: {}, first: [] });
    expect(reports.length).toBeGreaterThan(0);
    expect(done).toEqual([file]);
  });

  it('lists the problems it found, and under strict throws the first', async () => {
    const file = mrt('pyasn/bview.20140112.1600_3samples.bz2');
    const stats = await mrtStats({ file });
    expect(stats.problems.byCode).toEqual({ MRT_NO_PEER_INDEX: 3 });
    expect(stats.problems.first[0]).toMatchObject({ code: 'MRT_NO_PEER_INDEX', offset: 0, file });
    const error = (await mrtStats({ file, strict: true }).catch((e: unknown) => e)) as CairnError;
    expect(error.code).toBe('MRT_NO_PEER_INDEX');
  });
});
