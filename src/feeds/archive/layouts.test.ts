// The layouts against the real file names the archives use: the bundled files keep their archive
// paths and names (data/mrt/PROVENANCE.md), and libbgpstream names its files by collector and
// Unix time, which the plan must turn into the archive's own names.
import { describe, expect, it } from 'vitest';
import { CairnError } from '../../errors/index.js';
import { MAX_PLANNED_FILES, planArchiveFiles, type ArchivePlanRequest } from './layouts.js';
import { BASE_URL_ENV, PUBLIC_BASE_URLS, resolveBaseUrl } from './sources.js';

const BASE = 'http://127.0.0.1:9';
const at = (iso: string): number => Date.parse(iso);

function plan(request: Partial<ArchivePlanRequest> & Pick<ArchivePlanRequest, 'source'>): string[] {
  return planArchiveFiles({ collectors: [], baseUrl: BASE, ...request }).map((f) =>
    f.url.slice(BASE.length + 1),
  );
}

function planError(request: Partial<ArchivePlanRequest> & Pick<ArchivePlanRequest, 'source'>): CairnError {
  try {
    planArchiveFiles({ collectors: [], baseUrl: BASE, ...request });
  } catch (error) {
    if (error instanceof CairnError) return error;
    throw error;
  }
  throw new Error('the plan was accepted');
}

describe('RIPE RIS layout', () => {
  it('names update files every 5 minutes as the archive does (rrc15, 2010-02-27, bgpkit fixtures)', () => {
    expect(
      plan({
        source: 'ris',
        collectors: ['rrc15'],
        kinds: ['updates'],
        from: at('2010-02-27T16:00:00Z'),
        to: at('2010-02-27T16:15:00Z'),
      }),
    ).toEqual([
      'rrc15/2010.02/updates.20100227.1600.gz',
      'rrc15/2010.02/updates.20100227.1605.gz',
      'rrc15/2010.02/updates.20100227.1610.gz',
    ]);
  });

  it('turns libbgpstream ris.rrc06.updates.1427846400 into its archive name', () => {
    const files = planArchiveFiles({
      source: 'ris',
      collectors: ['rrc06'],
      kinds: ['updates'],
      from: 1427846400 * 1000,
      to: 1427846400 * 1000 + 1,
      baseUrl: BASE,
    });
    expect(files).toEqual([
      {
        source: 'ris',
        collector: 'rrc06',
        kind: 'updates',
        time: 1427846400 * 1000,
        url: `${BASE}/rrc06/2015.04/updates.20150401.0000.gz`,
        relativePath: 'ris/rrc06/2015.04/updates.20150401.0000.gz',
        compression: 'gzip',
      },
    ]);
  });

  it('lists the RIB dump in force at --from, then every 8 hours before --to; a range overlapping a month boundary', () => {
    expect(
      plan({
        source: 'ris',
        collectors: ['rrc00'],
        kinds: ['ribs'],
        from: at('2015-10-31T20:00:00Z'),
        to: at('2015-11-01T16:00:00Z'),
      }),
    ).toEqual([
      'rrc00/2015.10/bview.20151031.1600.gz',
      'rrc00/2015.11/bview.20151101.0000.gz',
      'rrc00/2015.11/bview.20151101.0800.gz',
    ]);
  });

  it('orders by collector, then kind, then time; update periods overlapping the range are included', () => {
    expect(
      plan({
        source: 'ris',
        collectors: ['rrc00', 'rrc01'],
        from: at('2015-10-23T02:03:00Z'),
        to: at('2015-10-23T02:07:00Z'),
      }),
    ).toEqual([
      'rrc00/2015.10/bview.20151023.0000.gz',
      'rrc00/2015.10/updates.20151023.0200.gz',
      'rrc00/2015.10/updates.20151023.0205.gz',
      'rrc01/2015.10/bview.20151023.0000.gz',
      'rrc01/2015.10/updates.20151023.0200.gz',
      'rrc01/2015.10/updates.20151023.0205.gz',
    ]);
  });

  it('a day of one collector is 3 RIB dumps and 288 update files', () => {
    const files = planArchiveFiles({
      source: 'ris',
      collectors: ['rrc00'],
      from: at('2014-12-22T00:00:00Z'),
      to: at('2014-12-23T00:00:00Z'),
      baseUrl: BASE,
    });
    expect(files.filter((f) => f.kind === 'ribs')).toHaveLength(3);
    expect(files.filter((f) => f.kind === 'updates')).toHaveLength(288);
    expect(files.at(-1)?.url).toBe(`${BASE}/rrc00/2014.12/updates.20141222.2355.gz`);
  });

  it('refuses collector names that are not rrcNN (no path tricks)', () => {
    for (const name of ['rrc1', 'RRC00', '../rrc00', 'rrc00/..', 'route-views2', ''])
      expect(planError({ source: 'ris', collectors: [name], from: 0, to: 1 }).code).toBe('FETCH_BAD_OPTION');
  });
});

describe('RouteViews layout', () => {
  it('puts route-views2 at the root and other collectors under their name (libbgpstream jinx file)', () => {
    expect(
      plan({
        source: 'routeviews',
        collectors: ['route-views2', 'route-views.jinx'],
        kinds: ['updates'],
        from: 1427846400 * 1000,
        to: 1427846400 * 1000 + 15 * 60_000,
      }),
    ).toEqual([
      'bgpdata/2015.04/UPDATES/updates.20150401.0000.bz2',
      'route-views.jinx/bgpdata/2015.04/UPDATES/updates.20150401.0000.bz2',
    ]);
  });

  it('RIBs every 2 hours (pyasn rib.20140523.0600), updates every 15 minutes', () => {
    expect(
      plan({
        source: 'routeviews',
        collectors: ['route-views2'],
        from: at('2014-05-23T06:00:00Z'),
        to: at('2014-05-23T06:31:00Z'),
      }),
    ).toEqual([
      'bgpdata/2014.05/RIBS/rib.20140523.0600.bz2',
      'bgpdata/2014.05/UPDATES/updates.20140523.0600.bz2',
      'bgpdata/2014.05/UPDATES/updates.20140523.0615.bz2',
      'bgpdata/2014.05/UPDATES/updates.20140523.0630.bz2',
    ]);
  });

  it('keeps route-views2 files under its name locally, so collectors never mix', () => {
    const [main, linx] = planArchiveFiles({
      source: 'routeviews',
      collectors: ['route-views2', 'route-views.linx'],
      kinds: ['ribs'],
      from: 0,
      to: 1,
      baseUrl: BASE,
    });
    expect(main.relativePath).toBe('routeviews/route-views2/bgpdata/1970.01/RIBS/rib.19700101.0000.bz2');
    expect(linx.relativePath).toBe('routeviews/route-views.linx/bgpdata/1970.01/RIBS/rib.19700101.0000.bz2');
    expect(main.compression).toBe('bzip2');
  });

  it('refuses other names', () => {
    for (const name of ['rrc00', 'route-views/../x', 'route-views.linx/', '..', 'route-views..linx'])
      expect(planError({ source: 'routeviews', collectors: [name], from: 0, to: 1 }).code).toBe(
        'FETCH_BAD_OPTION',
      );
  });
});

describe('RIR statistics and AS names', () => {
  it('one delegated-extended file per registry and UTC day of the range, or -latest without a range', () => {
    expect(
      plan({
        source: 'rir',
        collectors: ['apnic', 'afrinic'],
        from: at('2019-09-10T12:00:00Z'),
        to: at('2019-09-12T00:00:00Z'),
      }),
    ).toEqual([
      'apnic/delegated-apnic-extended-20190910',
      'apnic/delegated-apnic-extended-20190911',
      'afrinic/delegated-afrinic-extended-20190910',
      'afrinic/delegated-afrinic-extended-20190911',
    ]);
    const [latest] = planArchiveFiles({ source: 'rir', collectors: ['ripencc'], baseUrl: BASE });
    expect(latest.url).toBe(`${BASE}/ripencc/delegated-ripencc-extended-latest`);
    expect(latest.time).toBeUndefined();
    expect(planError({ source: 'rir', collectors: ['iana'] }).code).toBe('FETCH_BAD_OPTION');
  });

  it('AS names: the base URL is the file; it is kept under its own name', () => {
    const [file] = planArchiveFiles({
      source: 'asnames',
      collectors: [],
      baseUrl: `${BASE}/ripe/asnames/asn.txt`,
    });
    expect(file).toMatchObject({
      url: `${BASE}/ripe/asnames/asn.txt`,
      relativePath: 'asnames/asn.txt',
      time: undefined,
    });
    expect(planError({ source: 'asnames', baseUrl: `${BASE}/` }).code).toBe('FETCH_BAD_OPTION');
  });
});

describe('requests that cannot be planned', () => {
  it('empty or reversed ranges, no collector, no kind, too many files, non-http URLs', () => {
    const cases: [Partial<ArchivePlanRequest> & Pick<ArchivePlanRequest, 'source'>, string][] = [
      [{ source: 'ris', collectors: ['rrc00'], from: 10, to: 10 }, 'to'],
      [{ source: 'ris', collectors: ['rrc00'], from: 10 }, 'to'],
      [{ source: 'ris', collectors: [], from: 0, to: 1 }, 'collector'],
      [{ source: 'ris', collectors: ['rrc00'], from: 0, to: 1, kinds: [] }, 'kind'],
      [{ source: 'ris', collectors: ['rrc00'], from: 0, to: (MAX_PLANNED_FILES + 1) * 300_000 }, 'to'],
      [{ source: 'ris', collectors: ['rrc00'], from: 0, to: 1, baseUrl: 'ftp://ftp.ripe.net/' }, 'base-url'],
      [{ source: 'ris', collectors: ['rrc00'], from: 0, to: 1, baseUrl: 'not a url' }, 'base-url'],
      [{ source: 'nope' as 'ris', collectors: ['rrc00'], from: 0, to: 1 }, 'source'],
    ];
    for (const [request, field] of cases) {
      const error = planError(request);
      expect(error.code, JSON.stringify(request)).toBe('FETCH_BAD_OPTION');
      expect(error.location.field).toBe(field);
    }
  });
});

describe('base URLs', () => {
  it('option, then environment, then the public default; trailing slashes dropped', () => {
    expect(resolveBaseUrl('ris', 'http://127.0.0.1:8080/mirror/', {})).toBe('http://127.0.0.1:8080/mirror');
    expect(resolveBaseUrl('ris', undefined, { [BASE_URL_ENV.ris]: 'http://127.0.0.1:1/' })).toBe(
      'http://127.0.0.1:1',
    );
    expect(resolveBaseUrl('ris', undefined, { [BASE_URL_ENV.ris]: '' })).toBe(PUBLIC_BASE_URLS.ris);
    expect(resolveBaseUrl('routeviews', undefined, {})).toBe(PUBLIC_BASE_URLS.routeviews);
  });
});
