// The fetcher against a local HTTP server on 127.0.0.1 that serves the bundled real files (data/)
// under the archives' paths, and misbehaves: 404, 503 then success, connections dropped
// mid-body, a range ignored, a file changed between two runs, a truncated bzip2 file (the real
// first MiB of a RouteViews RIB), an HTML page where a gzip file should be. What arrives is
// compared byte for byte with the file served; decompressed sizes with zlib's own gunzip.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock, Timer } from '../../bgp/index.js';
import { startArchiveServer, type ArchiveServer } from '../../../test/fixtures/archive-server.js';
import { retryDelay, partMetaPath, type RetryNotice } from './download.js';
import { fetchArchiveFiles, localPathOf, type FetchArchiveOptions, type FetchedFile } from './fetcher.js';
import { planArchiveFiles, type ArchivePlanRequest } from './layouts.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const data = (rel: string): string => path.join(repo, 'data', rel);

// Real files under the paths the archives publish them at (data/mrt/PROVENANCE.md).
const RRC15_1600 = '/rrc15/2010.02/updates.20100227.1600.gz';
const RRC15_1610 = '/rrc15/2010.02/updates.20100227.1610.gz';
const RRC15_1605 = '/rrc15/2010.02/updates.20100227.1605.gz'; // not bundled: the server answers 404
const RRC06 = '/rrc06/2015.04/updates.20150401.0000.gz';
const JINX = '/route-views.jinx/bgpdata/2015.04/UPDATES/updates.20150401.0000.bz2';
// The first MiB of a RouteViews RIB (peer set of route-views2, per its provenance): a cut bzip2 stream.
const RV2_RIB = '/bgpdata/2014.05/RIBS/rib.20140523.0600.bz2';
// A 300-record sample of APNIC's delegated-extended file of 2019-09-06, served under that file's name.
const APNIC = '/apnic/delegated-apnic-extended-20190906';

const ROUTES = new Map<string, string>([
  [RRC15_1600, data('mrt/bgpkit/ripe/rrc15/2010.02/updates.20100227.1600.gz')],
  [RRC15_1610, data('mrt/bgpkit/ripe/rrc15/2010.02/updates.20100227.1610.gz')],
  [RRC06, data('mrt/libbgpstream/ris.rrc06.updates.1427846400.gz')],
  [JINX, data('mrt/libbgpstream/routeviews.route-views.jinx.updates.1427846400.bz2')],
  [RV2_RIB, data('mrt/pyasn/rib.20140523.0600_firstMB.bz2')],
  [APNIC, data('registry/samples-2019-09/apnic')],
  ['/pyasn/asnames.json.gz', data('registry/asnames.json.gz')],
]);

const sha = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
const served = (urlPath: string): Buffer => readFileSync(ROUTES.get(urlPath) as string);

/**
 * A clock for retries: each timer runs on the next turn of the event loop, and the time moves on
 * by its delay, so back-offs are exact and take no wall time. Records every delay asked for.
 */
class StepClock implements Clock {
  time = Date.UTC(2026, 0, 1);
  readonly delays: number[] = [];
  now(): number {
    return this.time;
  }
  setTimeout(callback: () => void, ms: number): Timer {
    this.delays.push(ms);
    const handle = setImmediate(() => {
      this.time += ms;
      callback();
    });
    return { cancel: () => clearImmediate(handle) };
  }
  setInterval(): Timer {
    throw new Error('the fetcher sets no intervals');
  }
}

let server: ArchiveServer;
let dir: string;
let clock: StepClock;

beforeEach(async () => {
  server = await startArchiveServer(ROUTES);
  dir = await mkdtemp(path.join(os.tmpdir(), 'cairn-fetch-'));
  clock = new StepClock();
});

afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

function planFor(request: Partial<ArchivePlanRequest> & Pick<ArchivePlanRequest, 'source'>) {
  return planArchiveFiles({ collectors: [], baseUrl: server.baseUrl, ...request });
}

const RRC15_PLAN = {
  source: 'ris',
  collectors: ['rrc15'],
  kinds: ['updates'],
  from: Date.parse('2010-02-27T16:00:00Z'),
  to: Date.parse('2010-02-27T16:15:00Z'),
} as const;

const JINX_PLAN = {
  source: 'routeviews',
  collectors: ['route-views.jinx'],
  kinds: ['updates'],
  from: 1427846400 * 1000,
  to: 1427846400 * 1000 + 1,
} as const;

function options(extra: Partial<FetchArchiveOptions> = {}): FetchArchiveOptions {
  return {
    dir,
    clock,
    random: () => 0.5,
    retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 5_000 },
    ...extra,
  };
}

async function filesUnder(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true }))
    if (entry.isFile()) out.push(path.relative(root, path.join(entry.parentPath, entry.name)));
  return out.sort();
}

describe('fetching a plan', () => {
  it('downloads and verifies each file, reports a 404 without stopping, keeps the plan order', async () => {
    const problems: string[] = [];
    const done: string[] = [];
    const results = await fetchArchiveFiles(
      planFor(RRC15_PLAN),
      options({
        hooks: {
          onProblem: (p) => problems.push(`${p.code} ${p.location.file}`),
          onFileDone: (r, n, total) => done.push(`${n}/${total}`),
        },
      }),
    );
    expect(results.map((r) => [path.basename(r.file.url), r.status, r.verified])).toEqual([
      ['updates.20100227.1600.gz', 'downloaded', true],
      ['updates.20100227.1605.gz', 'missing', false],
      ['updates.20100227.1610.gz', 'downloaded', true],
    ]);
    expect(problems).toEqual([`FETCH_NOT_FOUND ${server.baseUrl}${RRC15_1605}`]);
    expect(done.sort()).toEqual(['1/3', '2/3', '3/3']);
    for (const [result, urlPath] of [
      [results[0], RRC15_1600],
      [results[2], RRC15_1610],
    ] as const) {
      const bytes = readFileSync(result.path);
      expect(sha(bytes)).toBe(sha(served(urlPath)));
      expect(result.bytes).toBe(bytes.length);
      expect(result.decompressedBytes).toBe(zlib.gunzipSync(bytes).length);
      expect(result).toMatchObject({ compression: 'gzip', fromCache: false, attempts: 1, resumedFrom: [] });
    }
    expect(results[1].path).toBe(path.join(dir, 'ris', 'rrc15', '2010.02', 'updates.20100227.1605.gz'));
    expect(results[1].problem?.code).toBe('FETCH_NOT_FOUND');
    expect(results[1].attempts).toBe(1);
    // Nothing is left but the two complete files (no .part, no sidecar).
    expect(await filesUnder(dir)).toEqual([
      'ris/rrc15/2010.02/updates.20100227.1600.gz',
      'ris/rrc15/2010.02/updates.20100227.1610.gz',
    ]);
  });

  it('a file present and verified is not fetched again; a missing one is asked for again', async () => {
    await fetchArchiveFiles(planFor(RRC15_PLAN), options());
    const before = server.requests.length;
    const again = await fetchArchiveFiles(planFor(RRC15_PLAN), options({ reverifyCached: true }));
    expect(again.map((r) => r.status)).toEqual(['cached', 'missing', 'cached']);
    expect(again[0]).toMatchObject({ fromCache: true, verified: true, attempts: 0 });
    expect(again[0].decompressedBytes).toBe(zlib.gunzipSync(served(RRC15_1600)).length);
    expect(server.requests.slice(before).map((r) => r.path)).toEqual([RRC15_1605]);
  });

  it('a damaged cached file is fetched again when re-verification is asked for', async () => {
    const [first] = await fetchArchiveFiles(planFor(RRC15_PLAN).slice(0, 1), options());
    const whole = readFileSync(first.path);
    await writeFile(first.path, whole.subarray(0, whole.length >> 1));
    const [trusted] = await fetchArchiveFiles(planFor(RRC15_PLAN).slice(0, 1), options());
    expect(trusted.status).toBe('cached');
    const [checked] = await fetchArchiveFiles(
      planFor(RRC15_PLAN).slice(0, 1),
      options({ reverifyCached: true }),
    );
    expect(checked.status).toBe('downloaded');
    expect(sha(readFileSync(checked.path))).toBe(sha(whole));
  });

  it('never has more downloads open than the concurrency limit', async () => {
    const plan = planFor({ ...RRC15_PLAN, collectors: ['rrc15'], to: Date.parse('2010-02-27T16:20:00Z') });
    plan.push(
      ...planFor(JINX_PLAN),
      ...planFor({
        source: 'ris',
        collectors: ['rrc06'],
        kinds: ['updates'],
        from: 1427846400000,
        to: 1427846400001,
      }),
    );
    const releases: (() => void)[] = [];
    for (const file of plan) {
      const urlPath = new URL(file.url).pathname;
      server.fault(urlPath, { kind: 'hold', until: new Promise<void>((resolve) => releases.push(resolve)) });
    }
    const run = fetchArchiveFiles(plan, options({ concurrency: 2 }));
    // Release the held requests two at a time, each time once two are open.
    let released = 0;
    while (released < plan.length) {
      const open = (): number => server.requests.length - released;
      for (let spins = 0; open() < Math.min(2, plan.length - released); spins++) {
        if (spins > 10_000)
          throw new Error(`waited for ${Math.min(2, plan.length - released)} open requests`);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      expect(open()).toBeLessThanOrEqual(2);
      const batch = server.requests.length - released;
      for (let i = 0; i < batch; i++) releases[released + i]();
      released += batch;
    }
    const results = await run;
    expect(server.maxActive).toBe(2);
    expect(results.filter((r) => r.status === 'downloaded')).toHaveLength(plan.length - 2);
  });
});

describe('retries and resumes', () => {
  it('503 twice (with and without Retry-After), then the file: backs off exponentially with jitter', async () => {
    server.fault(JINX, { kind: 'status', status: 503 }, { kind: 'status', status: 503, retryAfter: '2' });
    const retries: RetryNotice[] = [];
    const [result] = await fetchArchiveFiles(
      planFor(JINX_PLAN),
      options({ hooks: { onRetry: (n) => retries.push(n) } }),
    );
    expect(result).toMatchObject({ status: 'downloaded', verified: true, attempts: 3 });
    expect(sha(readFileSync(result.path))).toBe(sha(served(JINX)));
    // random() = 0.5: half the back-off plus a quarter; the second wait is the server's 2 s.
    expect(clock.delays).toEqual([75, 2000]);
    expect(retryDelay(1, { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 5000 }, () => 0.5)).toBe(75);
    expect(retries.map((r) => [r.attempt, r.reason.code])).toEqual([
      [1, 'FETCH_HTTP_STATUS'],
      [2, 'FETCH_HTTP_STATUS'],
    ]);
  });

  it('a 503 that does not pass fails that file after maxAttempts, with doubling back-offs', async () => {
    server.fault(JINX, ...Array.from({ length: 10 }, () => ({ kind: 'status' as const, status: 503 })));
    const plan = [
      ...planFor(JINX_PLAN),
      ...planFor({
        source: 'ris',
        collectors: ['rrc06'],
        kinds: ['updates'],
        from: 1427846400000,
        to: 1427846400001,
      }),
    ];
    // random() near 1 takes the whole jitter off: the shortest back-offs, half of each full one.
    const results = await fetchArchiveFiles(plan, options({ random: () => 0.999999 }));
    expect(results.map((r) => r.status)).toEqual(['failed', 'downloaded']);
    expect(results[0].problem?.code).toBe('FETCH_HTTP_STATUS');
    expect(results[0].attempts).toBe(1);
    expect(server.requestsFor(JINX)).toHaveLength(4);
    expect(clock.delays).toEqual([50, 100, 200]);
    expect(existsSync(results[0].path)).toBe(false);
  });

  it('a connection dropped mid-body is resumed from the byte it reached (Range + If-Range)', async () => {
    server.fault(JINX, { kind: 'drop', afterBytes: 5000 });
    const [result] = await fetchArchiveFiles(planFor(JINX_PLAN), options());
    expect(result).toMatchObject({ status: 'downloaded', verified: true, attempts: 2, resumedFrom: [5000] });
    expect(sha(readFileSync(result.path))).toBe(sha(served(JINX)));
    const [first, second] = server.requestsFor(JINX);
    expect(first).toMatchObject({ range: undefined, status: 200, bodyBytes: 5000 });
    expect(second.range).toBe('bytes=5000-');
    expect(second.ifRange).toMatch(/^"[0-9a-f]{16}"$/);
    expect(second).toMatchObject({ status: 206, bodyBytes: served(JINX).length - 5000 });
  });

  it('a server that drops every connection after 4 KiB still delivers the whole file, resume by resume', async () => {
    const size = served(JINX).length;
    const drops = Math.ceil(size / 4096) - 1;
    server.fault(JINX, ...Array.from({ length: drops }, () => ({ kind: 'drop' as const, afterBytes: 4096 })));
    const [result] = await fetchArchiveFiles(planFor(JINX_PLAN), options());
    expect(result.status).toBe('downloaded');
    expect(result.resumedFrom).toEqual(Array.from({ length: drops }, (_, i) => (i + 1) * 4096));
    expect(sha(readFileSync(result.path))).toBe(sha(served(JINX)));
    // Each failure made progress, so none counted toward maxAttempts and the back-off never grew.
    expect(new Set(clock.delays)).toEqual(new Set([75]));
  });

  it('a connection that stalls mid-body is dropped after the idle timeout and resumed', async () => {
    server.fault(JINX, { kind: 'stall', afterBytes: 6000 });
    const [result] = await fetchArchiveFiles(planFor(JINX_PLAN), options({ idleTimeoutMs: 200 }));
    expect(result).toMatchObject({ status: 'downloaded', resumedFrom: [6000], attempts: 2 });
    expect(sha(readFileSync(result.path))).toBe(sha(served(JINX)));
  });

  it('a range the server ignores (200 instead of 206) starts the file again from byte 0', async () => {
    server.fault(JINX, { kind: 'drop', afterBytes: 7000 }, { kind: 'ignore-range' });
    const [result] = await fetchArchiveFiles(planFor(JINX_PLAN), options());
    expect(result).toMatchObject({ status: 'downloaded', resumedFrom: [] });
    expect(server.requestsFor(JINX).map((r) => r.status)).toEqual([200, 200]);
    expect(sha(readFileSync(result.path))).toBe(sha(served(JINX)));
  });

  it('resumes a partial file left by an earlier run; a file changed since then is fetched whole', async () => {
    server.fault(JINX, { kind: 'drop', afterBytes: 9000 });
    const [failed] = await fetchArchiveFiles(
      planFor(JINX_PLAN),
      options({ retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } }),
    );
    expect(failed).toMatchObject({ status: 'failed', verified: false });
    expect(failed.problem?.code).toBe('FETCH_NETWORK');
    expect((await stat(`${failed.path}.part`)).size).toBe(9000);
    expect(existsSync(partMetaPath(`${failed.path}.part`))).toBe(true);

    const [resumed] = await fetchArchiveFiles(planFor(JINX_PLAN), options());
    expect(resumed).toMatchObject({ status: 'downloaded', resumedFrom: [9000], attempts: 1 });
    expect(sha(readFileSync(resumed.path))).toBe(sha(served(JINX)));

    // Now the same URL serves another (real) file: the old part's validator no longer matches.
    await rm(resumed.path);
    server.fault(JINX, { kind: 'drop', afterBytes: 3000 });
    await fetchArchiveFiles(
      planFor(JINX_PLAN),
      options({ retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } }),
    );
    const replacement = data('mrt/morrowc-mrtparser/updates.20260222.1530.bz2');
    server.route(JINX, replacement);
    const [whole] = await fetchArchiveFiles(planFor(JINX_PLAN), options());
    expect(whole).toMatchObject({ status: 'downloaded', resumedFrom: [] });
    expect(server.requestsFor(JINX).at(-1)).toMatchObject({ range: 'bytes=3000-', status: 200 });
    expect(sha(readFileSync(whole.path))).toBe(sha(readFileSync(replacement)));
  });
});

describe('verification', () => {
  const RV2_PLAN = {
    source: 'routeviews',
    collectors: ['route-views2'],
    kinds: ['ribs'],
    from: Date.parse('2014-05-23T06:00:00Z'),
    to: Date.parse('2014-05-23T06:00:01Z'),
  } as const;

  async function expectNotKept(result: FetchedFile): Promise<void> {
    expect(result).toMatchObject({ status: 'failed', verified: false, bytes: 0 });
    expect(existsSync(result.path)).toBe(false);
    expect(existsSync(`${result.path}.part`)).toBe(false);
    expect(existsSync(partMetaPath(`${result.path}.part`))).toBe(false);
  }

  it('a truncated bzip2 file (the real first MiB of a RIB) fails and is not kept, with or without Content-Length', async () => {
    for (const chunked of [false, true]) {
      if (chunked) server.chunked(RV2_RIB);
      const [result] = await fetchArchiveFiles(planFor(RV2_PLAN), options());
      expect(result.problem?.code).toBe('FETCH_VERIFY_FAILED');
      expect(result.problem?.message).toMatch(/bzip2 stream is truncated/);
      expect(result.problem?.location.file).toBe(`${server.baseUrl}${RV2_RIB}`);
      await expectNotKept(result);
    }
  });

  it('a truncated gzip file and an HTML page served as a .gz fail verification', async () => {
    const whole = served(RRC06);
    server.route(RRC06, whole.subarray(0, whole.length - 100));
    const plan = planFor({
      source: 'ris',
      collectors: ['rrc06'],
      kinds: ['updates'],
      from: 1427846400000,
      to: 1427846400001,
    });
    const [cut] = await fetchArchiveFiles(plan, options());
    expect(cut.problem?.message).toMatch(/gzip stream is truncated/);
    await expectNotKept(cut);

    server.route(RRC06, Buffer.from('<html><body>Service temporarily moved</body></html>\n'));
    const [html] = await fetchArchiveFiles(plan, options());
    expect(html.problem?.message).toBe('expected gzip data, found no known compression');
    await expectNotKept(html);
  });
});

describe('RIR statistics and AS names', () => {
  it('plain text and gzip files of any name are fetched and sized; -latest files expire after a day', async () => {
    const [rir] = await fetchArchiveFiles(
      planFor({
        source: 'rir',
        collectors: ['apnic'],
        from: Date.parse('2019-09-06T00:00:00Z'),
        to: Date.parse('2019-09-07T00:00:00Z'),
      }),
      options(),
    );
    expect(rir).toMatchObject({ status: 'downloaded', verified: true, compression: 'none' });
    expect(readFileSync(rir.path, 'utf8')).toBe(readFileSync(data('registry/samples-2019-09/apnic'), 'utf8'));

    const names = planArchiveFiles({
      source: 'asnames',
      collectors: [],
      baseUrl: `${server.baseUrl}/pyasn/asnames.json.gz`,
    });
    const [first] = await fetchArchiveFiles(names, options());
    expect(first).toMatchObject({ status: 'downloaded', compression: 'gzip' });
    expect(first.path).toBe(localPathOf(dir, names[0]));
    expect(first.decompressedBytes).toBe(
      zlib.gunzipSync(readFileSync(data('registry/asnames.json.gz'))).length,
    );
    // The file's mtime is the wall clock; the step clock is set from it to age the file exactly.
    const mtime = (await stat(first.path)).mtimeMs;
    clock.time = mtime + 23 * 3600_000;
    expect((await fetchArchiveFiles(names, options()))[0].status).toBe('cached');
    clock.time = mtime + 25 * 3600_000;
    expect((await fetchArchiveFiles(names, options()))[0].status).toBe('downloaded');
    await utimes(first.path, new Date(clock.time), new Date(clock.time));
    expect((await fetchArchiveFiles(names, options()))[0].status).toBe('cached');
  });
});
