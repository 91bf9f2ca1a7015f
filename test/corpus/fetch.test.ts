// cairn fetch against a loopback HTTP server that serves the project corpus (routing/) laid out
// as the public archives publish it, with faults: every fetched file must be byte-identical to
// the corpus file (and to the original sha256 in routing/PROVENANCE.md where the corpus stores a
// gzip copy), decode to the element count bgpdump gives (PROVENANCE.md), and a cut RIB must
// fail verification. Reads $CAIRN_CORPUS or ../shared/data.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchArchives, fetchedFilePaths, mrtStats } from '../../src/app/index.js';
import { startArchiveServer, type ArchiveServer } from '../fixtures/archive-server.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const corpus = process.env.CAIRN_CORPUS ?? path.resolve(repoRoot, '../shared/data');
const routing = (rel: string): string => path.join(corpus, 'routing', rel);
const sha = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

interface Served {
  /** Path on the archive (after the base URL). */
  urlPath: string;
  corpusFile: string;
  /** Elements `bgpdump -m` prints for the file (routing/PROVENANCE.md). */
  bgpdumpElements?: number;
}

// Real file names: bgpkit keeps the archive paths; libbgpstream names files by collector and
// Unix time 1427846400 (2015-04-01 00:00 UTC).
const RIS: Served[] = [
  {
    urlPath: '/ris/rrc15/2010.02/updates.20100227.1600.gz',
    corpusFile: 'mrt/bgpkit/ripe/rrc15/2010.02/updates.20100227.1600.gz',
    bgpdumpElements: 53_806,
  },
  {
    urlPath: '/ris/rrc15/2010.02/updates.20100227.1610.gz',
    corpusFile: 'mrt/bgpkit/ripe/rrc15/2010.02/updates.20100227.1610.gz',
    bgpdumpElements: 7_485,
  },
  {
    urlPath: '/ris/rrc06/2015.04/updates.20150401.0000.gz',
    corpusFile: 'mrt/libbgpstream/ris.rrc06.updates.1427846400.gz',
    bgpdumpElements: 1_561,
  },
];
const ROUTEVIEWS: Served[] = [
  {
    urlPath: '/rv/route-views.jinx/bgpdata/2015.04/UPDATES/updates.20150401.0000.bz2',
    corpusFile: 'mrt/libbgpstream/routeviews.route-views.jinx.updates.1427846400.bz2',
    bgpdumpElements: 8_611,
  },
  // Collector not stated in its source; its peer set is route-views2's (PROVENANCE.md).
  {
    urlPath: '/rv/bgpdata/2026.02/UPDATES/updates.20260222.1530.bz2',
    corpusFile: 'mrt/morrowc-mrtparser/updates.20260222.1530.bz2',
    bgpdumpElements: 118_663,
  },
];
// The first MiB of a RouteViews RIB (route-views2's peer set): the bzip2 stream is cut.
const CUT_RIB: Served = {
  urlPath: '/rv/bgpdata/2014.05/RIBS/rib.20140523.0600.bz2',
  corpusFile: 'mrt/pyasn/rib.20140523.0600_firstMB.bz2',
};
// Stored gzip-compressed in the corpus; served as the RIRs publish them, uncompressed.
const RIR = [
  {
    urlPath: '/stats/afrinic/delegated-afrinic-extended-20190911',
    corpusFile: 'rir/delegated-afrinic-extended-20190911.gz',
    originalSha256: 'b455a4b5daddf8517c44993a3a63122f5ea80a80e37c679e5fb0436c1f6c98c2',
  },
  {
    urlPath: '/stats/lacnic/delegated-lacnic-extended-20190910',
    corpusFile: 'rir/delegated-lacnic-extended-20190910.gz',
    originalSha256: '698c451123882170d9fbcffff235aaef73325943c97156e94df41d77b1c79fca',
  },
];
const ASNAMES = { urlPath: '/pyasn/data/asnames.json.gz', corpusFile: 'asnames/asnames.json.gz' };

let server: ArchiveServer;
let dir: string;

beforeAll(async () => {
  const routes = new Map<string, string | Buffer>();
  for (const file of [...RIS, ...ROUTEVIEWS, CUT_RIB, ASNAMES])
    routes.set(file.urlPath, routing(file.corpusFile));
  for (const file of RIR) routes.set(file.urlPath, gunzipSync(readFileSync(routing(file.corpusFile))));
  server = await startArchiveServer(routes);
  dir = await mkdtemp(path.join(os.tmpdir(), 'cairn-fetch-corpus-'));
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const runtime = { retryDelays: { baseDelayMs: 1, maxDelayMs: 10 } };

async function expectDecodesLike(filePath: string, served: Served): Promise<void> {
  const stats = await mrtStats({ file: filePath });
  const { A, W, B, STATE } = stats.elements;
  expect(A + W + B + STATE, served.corpusFile).toBe(served.bgpdumpElements);
}

describe('fetching the corpus from archive layouts', () => {
  it('RIS: two collectors, a gap answered 404, a dropped connection and a 503 on the way', async () => {
    server.fault(RIS[0].urlPath, { kind: 'drop', afterBytes: 100_000 });
    server.fault(RIS[2].urlPath, { kind: 'status', status: 503, retryAfter: '0' });
    const result = await fetchArchives(
      {
        source: 'ris',
        collectors: ['rrc15', 'rrc06'],
        kinds: ['updates'],
        from: '2010-02-27T16:00Z',
        to: '2010-02-27T16:15Z',
        dir,
        baseUrl: `${server.baseUrl}/ris`,
      },
      {},
      runtime,
    );
    expect(result.files.map((f) => [path.basename(f.url), f.status])).toEqual([
      ['updates.20100227.1600.gz', 'downloaded'],
      ['updates.20100227.1605.gz', 'missing'],
      ['updates.20100227.1610.gz', 'downloaded'],
      // rrc06 has no file in 2010 on this server: three 404s.
      ['updates.20100227.1600.gz', 'missing'],
      ['updates.20100227.1605.gz', 'missing'],
      ['updates.20100227.1610.gz', 'missing'],
    ]);
    expect(result.files[0].resumedFrom).toEqual([100_000]);
    const april = await fetchArchives(
      {
        source: 'ris',
        collectors: ['rrc06'],
        kinds: ['updates'],
        from: '2015-04-01T00:00Z',
        to: '2015-04-01T00:01Z',
        dir,
        baseUrl: `${server.baseUrl}/ris`,
      },
      {},
      runtime,
    );
    expect(april.files[0]).toMatchObject({ status: 'downloaded', attempts: 2 });
    const fetched = [result.files[0], result.files[2], april.files[0]];
    for (const [i, file] of fetched.entries()) {
      expect(sha(readFileSync(file.path))).toBe(sha(readFileSync(routing(RIS[i].corpusFile))));
      await expectDecodesLike(file.path, RIS[i]);
    }
    expect(fetchedFilePaths(result)).toEqual([result.files[0].path, result.files[2].path]);
  });

  it('RouteViews: route-views2 at the root and jinx under its name; the cut RIB fails and is not kept', async () => {
    // The 737 KB update file is cut four times on its way.
    server.fault(
      ROUTEVIEWS[1].urlPath,
      ...[50_000, 200_000, 1, 300_000].map((afterBytes) => ({ kind: 'drop' as const, afterBytes })),
    );
    const updates = await fetchArchives(
      {
        source: 'routeviews',
        collectors: ['route-views.jinx', 'route-views2'],
        kinds: ['updates'],
        from: '2015-04-01T00:00Z',
        to: '2015-04-01T00:15Z',
        dir,
        baseUrl: `${server.baseUrl}/rv`,
      },
      {},
      runtime,
    );
    expect(updates.files.map((f) => f.status)).toEqual(['downloaded', 'missing']);
    const recent = await fetchArchives(
      {
        source: 'routeviews',
        collectors: ['route-views2'],
        kinds: ['updates'],
        from: '2026-02-22T15:30Z',
        to: '2026-02-22T15:45Z',
        dir,
        baseUrl: `${server.baseUrl}/rv`,
      },
      {},
      runtime,
    );
    expect(recent.files[0]).toMatchObject({
      status: 'downloaded',
      resumedFrom: [50_000, 250_000, 250_001, 550_001],
    });
    for (const [i, file] of [updates.files[0], recent.files[0]].entries()) {
      expect(sha(readFileSync(file.path))).toBe(sha(readFileSync(routing(ROUTEVIEWS[i].corpusFile))));
      await expectDecodesLike(file.path, ROUTEVIEWS[i]);
    }
    expect(recent.files[0].path).toBe(
      path.join(dir, 'routeviews/route-views2/bgpdata/2026.02/UPDATES/updates.20260222.1530.bz2'),
    );

    const rib = await fetchArchives(
      {
        source: 'routeviews',
        collectors: ['route-views2'],
        kinds: ['ribs'],
        from: '2014-05-23T06:00Z',
        to: '2014-05-23T06:01Z',
        dir,
        baseUrl: `${server.baseUrl}/rv`,
      },
      {},
      runtime,
    );
    expect(rib.files[0]).toMatchObject({ status: 'failed', verified: false });
    expect(rib.files[0].problem).toMatchObject({
      code: 'FETCH_VERIFY_FAILED',
      file: `${server.baseUrl}${CUT_RIB.urlPath}`,
    });
    expect(existsSync(rib.files[0].path)).toBe(false);
    expect(existsSync(`${rib.files[0].path}.part`)).toBe(false);
    expect(fetchedFilePaths(rib)).toEqual([]);
  });

  it('RIR statistics: the original files as published (sha256 of PROVENANCE.md); AS names', async () => {
    const rir = await fetchArchives(
      {
        source: 'rir',
        collectors: ['afrinic', 'lacnic'],
        from: '2019-09-10',
        to: '2019-09-12',
        dir,
        baseUrl: `${server.baseUrl}/stats`,
      },
      {},
      runtime,
    );
    expect(rir.files.map((f) => [path.basename(f.url), f.status])).toEqual([
      ['delegated-afrinic-extended-20190910', 'missing'],
      ['delegated-afrinic-extended-20190911', 'downloaded'],
      ['delegated-lacnic-extended-20190910', 'downloaded'],
      ['delegated-lacnic-extended-20190911', 'missing'],
    ]);
    expect(sha(readFileSync(rir.files[1].path))).toBe(RIR[0].originalSha256);
    expect(sha(readFileSync(rir.files[2].path))).toBe(RIR[1].originalSha256);

    const names = await fetchArchives(
      { source: 'asnames', dir, baseUrl: `${server.baseUrl}${ASNAMES.urlPath}` },
      {},
      runtime,
    );
    expect(names.files[0]).toMatchObject({ status: 'downloaded', compression: 'gzip', verified: true });
    expect(sha(readFileSync(names.files[0].path))).toBe(
      'c6b41dfb7391a974f4fee0eedb0f53c6512944703b70e732dd6685fb54eeadf3',
    );
  });
});
