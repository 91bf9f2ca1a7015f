// fetchArchives end to end against a loopback server serving bundled real files under the RIS
// and RouteViews layouts (data/mrt/PROVENANCE.md), and its pure helpers: ISO times read as UTC,
// the default mirror directory, the order in which ingest gets the files.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startArchiveServer, type ArchiveServer } from '../../test/fixtures/archive-server.js';
import { CairnError } from '../errors/index.js';
import {
  FETCH_BYTES_LABEL,
  FETCH_FILES_LABEL,
  FetchResult,
  defaultFetchDir,
  fetchArchives,
  fetchedFilePaths,
  parseIsoTime,
} from './fetch.js';
import type { ProgressReport } from './progress.js';

const data = (rel: string): string => fileURLToPath(new URL(`../../data/${rel}`, import.meta.url));

let server: ArchiveServer;
let dir: string;

beforeAll(async () => {
  server = await startArchiveServer(
    new Map([
      ['/rrc06/2015.04/updates.20150401.0000.gz', data('mrt/libbgpstream/ris.rrc06.updates.1427846400.gz')],
      [
        '/rrc15/2010.02/updates.20100227.1600.gz',
        data('mrt/bgpkit/ripe/rrc15/2010.02/updates.20100227.1600.gz'),
      ],
      [
        '/rrc15/2010.02/updates.20100227.1610.gz',
        data('mrt/bgpkit/ripe/rrc15/2010.02/updates.20100227.1610.gz'),
      ],
      [
        '/route-views.jinx/bgpdata/2015.04/UPDATES/updates.20150401.0000.bz2',
        data('mrt/libbgpstream/routeviews.route-views.jinx.updates.1427846400.bz2'),
      ],
    ]),
  );
  dir = await mkdtemp(path.join(os.tmpdir(), 'cairn-app-fetch-'));
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('fetchArchives', () => {
  it('fetches a time range, reports files and bytes, and hands ingest the verified paths in time order', async () => {
    const reports: ProgressReport[] = [];
    const problems: CairnError[] = [];
    const done: string[] = [];
    const result = await fetchArchives(
      {
        source: 'ris',
        collectors: ['rrc15'],
        from: '2010-02-27T16:00',
        to: '2010-02-27T16:15',
        kinds: ['updates'],
        dir,
        baseUrl: server.baseUrl,
        concurrency: 2,
      },
      {
        onProgress: (r) => reports.push(r),
        onProblem: (p) => problems.push(p),
        onDone: (label) => done.push(label),
      },
      { retryDelays: { baseDelayMs: 1, maxDelayMs: 1 } },
    );
    expect(FetchResult.parse(result)).toEqual(result);
    expect(result.from).toBe('2010-02-27T16:00:00.000Z');
    expect(result.summary).toMatchObject({ planned: 3, downloaded: 2, missing: 1, failed: 0, cached: 0 });
    const sizes = [
      readFileSync(data('mrt/bgpkit/ripe/rrc15/2010.02/updates.20100227.1600.gz')).length,
      readFileSync(data('mrt/bgpkit/ripe/rrc15/2010.02/updates.20100227.1610.gz')).length,
    ];
    expect(result.summary.bytesOnDisk).toBe(sizes[0] + sizes[1]);
    expect(result.summary.bytesReceived).toBe(sizes[0] + sizes[1]);
    expect(problems.map((p) => p.code)).toEqual(['FETCH_NOT_FOUND']);
    expect(result.files[1].problem).toMatchObject({
      code: 'FETCH_NOT_FOUND',
      file: `${server.baseUrl}/rrc15/2010.02/updates.20100227.1605.gz`,
    });
    const files = reports.filter((r) => r.label === FETCH_FILES_LABEL);
    expect(files.at(-1)).toEqual({ label: FETCH_FILES_LABEL, done: 3, total: 3, unit: 'files' });
    expect(reports.filter((r) => r.label === FETCH_BYTES_LABEL).at(-1)?.done).toBe(sizes[0] + sizes[1]);
    expect(done).toEqual([FETCH_BYTES_LABEL, FETCH_FILES_LABEL]);
    expect(fetchedFilePaths(result)).toEqual([
      path.join(dir, 'ris/rrc15/2010.02/updates.20100227.1600.gz'),
      path.join(dir, 'ris/rrc15/2010.02/updates.20100227.1610.gz'),
    ]);
  });

  it('takes the base URL from the environment when no option gives it', async () => {
    const result = await fetchArchives(
      {
        source: 'routeviews',
        collectors: ['route-views.jinx'],
        from: '2015-04-01',
        to: '2015-04-01T00:15Z',
        kinds: ['updates'],
        dir,
      },
      {},
      { env: { CAIRN_ROUTEVIEWS_URL: `${server.baseUrl}/` } },
    );
    expect(result.baseUrl).toBe(server.baseUrl);
    expect(result.files.map((f) => [f.status, f.compression, f.time])).toEqual([
      ['downloaded', 'bzip2', '2015-04-01T00:00:00.000Z'],
    ]);
  });

  it('ingest order: across collectors by time, a RIB dump before the updates of its time, -latest last', () => {
    // A result built here (not fetched) with two collectors' files in the plan's order.
    const file = (collector: string, kind: 'ribs' | 'updates' | 'delegated', time: string | null) => ({
      url: `http://127.0.0.1:9/${collector}/${kind}/${time}`,
      path: `/m/${collector}/${kind}/${time}`,
      source: 'ris' as const,
      collector,
      kind,
      time,
      status: 'downloaded' as const,
      bytes: 1,
      verified: true,
      fromCache: false,
      compression: 'gzip',
      decompressedBytes: 1,
      attempts: 1,
      resumedFrom: [],
    });
    const result: FetchResult = {
      source: 'ris',
      baseUrl: 'http://127.0.0.1:9',
      dir: '/m',
      from: null,
      to: null,
      files: [
        file('rrc01', 'ribs', '2015-10-23T00:00:00.000Z'),
        file('rrc01', 'updates', '2015-10-23T00:00:00.000Z'),
        file('rrc01', 'updates', '2015-10-23T00:05:00.000Z'),
        { ...file('rrc00', 'updates', '2015-10-23T00:05:00.000Z'), verified: false, status: 'failed' },
        file('rrc00', 'updates', '2015-10-23T00:00:00.000Z'),
        file('rrc00', 'delegated', null),
        file('rrc00', 'ribs', '2015-10-23T00:00:00.000Z'),
      ],
      summary: {
        planned: 7,
        downloaded: 6,
        cached: 0,
        missing: 0,
        failed: 1,
        bytesReceived: 6,
        bytesOnDisk: 6,
      },
    };
    expect(fetchedFilePaths(result)).toEqual([
      '/m/rrc00/ribs/2015-10-23T00:00:00.000Z',
      '/m/rrc01/ribs/2015-10-23T00:00:00.000Z',
      '/m/rrc00/updates/2015-10-23T00:00:00.000Z',
      '/m/rrc01/updates/2015-10-23T00:00:00.000Z',
      '/m/rrc01/updates/2015-10-23T00:05:00.000Z',
      '/m/rrc00/delegated/null',
    ]);
  });

  it('refuses requests it cannot plan before fetching anything', async () => {
    const before = server.requests.length;
    const attempts: [Parameters<typeof fetchArchives>[0], string][] = [
      [{ source: 'ris', collectors: ['rrc00'], from: 'yesterday', to: '2015-01-01', dir }, 'from'],
      [
        {
          source: 'ris',
          collectors: ['rrc00'],
          from: '2015-01-02',
          to: '2015-01-01',
          dir,
          baseUrl: server.baseUrl,
        },
        'to',
      ],
      [
        { source: 'ris', collectors: ['rrc00'], from: '2015-01-01', to: '2015-01-02', dir, concurrency: 0 },
        'concurrency',
      ],
      [{ source: 'bgpstream' as 'ris', collectors: [], dir }, 'source'],
    ];
    for (const [input, field] of attempts) {
      const error = await fetchArchives(input).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, JSON.stringify(input)).toBeInstanceOf(CairnError);
      expect((error as CairnError).code).toBe('FETCH_BAD_OPTION');
      expect((error as CairnError).location.field).toBe(field);
    }
    expect(server.requests.length).toBe(before);
  });
});

describe('helpers', () => {
  it('ISO times without an offset are UTC, never local time', () => {
    expect(parseIsoTime('2014-12-22', 'from')).toBe(Date.UTC(2014, 11, 22));
    expect(parseIsoTime('2014-12-22T16:05', 'from')).toBe(Date.UTC(2014, 11, 22, 16, 5));
    expect(parseIsoTime('2014-12-22 16:05:30', 'from')).toBe(Date.UTC(2014, 11, 22, 16, 5, 30));
    expect(parseIsoTime('2014-12-22T16:05:00+09:00', 'from')).toBe(Date.UTC(2014, 11, 22, 7, 5));
    expect(parseIsoTime('2014-12-22T16:05:00.250Z', 'from')).toBe(Date.UTC(2014, 11, 22, 16, 5, 0, 250));
    for (const bad of ['', '1419264000', '2014-13-01', '2014-12-22T25:00', 'Dec 22 2014'])
      expect(() => parseIsoTime(bad, 'to'), bad).toThrow(CairnError);
  });

  it('the default mirror: $CAIRN_ARCHIVE_DIR, then $XDG_CACHE_HOME, then ~/.cache', () => {
    expect(defaultFetchDir({ CAIRN_ARCHIVE_DIR: '/srv/mrt', XDG_CACHE_HOME: '/c' }, '/home/u')).toBe(
      '/srv/mrt',
    );
    expect(defaultFetchDir({ XDG_CACHE_HOME: '/c' }, '/home/u')).toBe(path.join('/c', 'cairn', 'archives'));
    expect(defaultFetchDir({}, '/home/u')).toBe(path.join('/home/u', '.cache', 'cairn', 'archives'));
  });
});
