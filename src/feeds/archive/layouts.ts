/**
 * The public archives' directory layouts, as pure functions from (collectors, time range, kinds)
 * to the list of files to fetch: their URLs, the local path each is kept under and the
 * compression each must have. No I/O here: the fetcher downloads what the plan lists.
 *
 * - RIPE RIS: `BASE/rrcNN/YYYY.MM/bview.YYYYMMDD.HHMM.gz` every 8 hours (00:00, 08:00, 16:00) and
 *   `BASE/rrcNN/YYYY.MM/updates.YYYYMMDD.HHMM.gz` every 5 minutes.
 * - RouteViews: `BASE/[COLLECTOR/]bgpdata/YYYY.MM/RIBS/rib.YYYYMMDD.HHMM.bz2` every 2 hours and
 *   `.../UPDATES/updates.YYYYMMDD.HHMM.bz2` every 15 minutes; route-views2, the main collector,
 *   has no collector segment.
 * - RIR statistics: `BASE/REGISTRY/delegated-REGISTRY-extended-YYYYMMDD` per UTC day, or
 *   `-latest` without a time range (each RIR's site mirrors the other RIRs' folders).
 * - AS names: one text file at a URL (`BASE` is the file's URL).
 *
 * @example
 * const files = planArchiveFiles({
 *   source: 'ris', collectors: ['rrc06'], kinds: ['updates'], baseUrl: 'http://127.0.0.1:8080',
 *   from: Date.UTC(2015, 3, 1), to: Date.UTC(2015, 3, 1, 0, 10),
 * });
 * files[0].url; // http://127.0.0.1:8080/rrc06/2015.04/updates.20150401.0000.gz
 */
import { CairnError } from '../../errors/index.js';
import type { Compression } from '../../mrt/index.js';

export const ARCHIVE_SOURCES = ['ris', 'routeviews', 'rir', 'asnames'] as const;
export type ArchiveSource = (typeof ARCHIVE_SOURCES)[number];

/** What a file holds: MRT RIB dumps or update files, RIR statistics, AS names. */
export type ArchiveKind = 'ribs' | 'updates' | 'delegated' | 'asnames';
/** The kinds a caller chooses between for the MRT archives. */
export type MrtKind = 'ribs' | 'updates';
export const MRT_KINDS: readonly MrtKind[] = ['ribs', 'updates'];

/** The registries that publish delegated-extended statistics. */
export const RIR_NAMES = ['afrinic', 'apnic', 'arin', 'lacnic', 'ripencc'] as const;

/** The main RouteViews collector, whose files sit at the root of the archive. */
export const ROUTEVIEWS_MAIN_COLLECTOR = 'route-views2';

/** Most files one plan may list (a year of one RIS collector's updates is 105,120). */
export const MAX_PLANNED_FILES = 200_000;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** How often each archive writes each kind of file (files start on multiples from midnight UTC). */
export const ARCHIVE_PERIODS_MS = {
  ris: { ribs: 8 * HOUR, updates: 5 * MINUTE },
  routeviews: { ribs: 2 * HOUR, updates: 15 * MINUTE },
  rir: { delegated: DAY },
} as const;

/** One file the plan lists. */
export interface ArchiveFile {
  source: ArchiveSource;
  /** Collector (rrc00, route-views.linx, route-views2), registry (apnic) or `asnames`. */
  collector: string;
  kind: ArchiveKind;
  /** Start of the period the file covers (Unix ms); undefined for a `-latest` file. */
  time: number | undefined;
  url: string;
  /** Path under the download directory, with `/` separators. */
  relativePath: string;
  /** The compression the file must have (checked from its magic bytes); undefined: any. */
  compression: Compression | undefined;
}

export interface ArchivePlanRequest {
  source: ArchiveSource;
  /** Collectors (RIS, RouteViews) or registries (RIR); ignored for AS names. */
  collectors: readonly string[];
  /** Start of the range, Unix ms (inclusive). */
  from?: number;
  /** End of the range, Unix ms (exclusive). */
  to?: number;
  /** RIB dumps, update files or both (default both); RIS and RouteViews only. */
  kinds?: readonly MrtKind[];
  /** Root URL of the archive (for AS names: the file's URL). */
  baseUrl: string;
}

function badOption(message: string, field: string): CairnError {
  return new CairnError('FETCH_BAD_OPTION', message, { field });
}

/** The base URL without a trailing slash; only http and https are fetched. */
export function normalizeBaseUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw badOption(`base URL ${JSON.stringify(text)} is not a URL`, 'base-url');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw badOption(`base URL ${JSON.stringify(text)} is not http or https`, 'base-url');
  if (url.search !== '' || url.hash !== '')
    throw badOption(`base URL ${JSON.stringify(text)} has a query or fragment`, 'base-url');
  return url.href.replace(/\/+$/, '');
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `YYYY.MM`, the monthly folder of both archives. */
export function monthFolder(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}.${pad(d.getUTCMonth() + 1)}`;
}

/** `YYYYMMDD.HHMM`, the time stamp in both archives' file names. */
export function fileStamp(ms: number): string {
  const d = new Date(ms);
  return `${dayStamp(ms)}.${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}`;
}

/** `YYYYMMDD` (UTC). */
export function dayStamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
}

function checkRange(request: ArchivePlanRequest): { from: number; to: number } {
  const { from, to } = request;
  if (from === undefined || to === undefined)
    throw badOption(`--from and --to are needed for ${request.source}`, from === undefined ? 'from' : 'to');
  if (!Number.isFinite(from) || !Number.isFinite(to)) throw badOption('the time range is not valid', 'from');
  if (!(to > from)) throw badOption('--to must be after --from', 'to');
  return { from, to };
}

/**
 * Start times of the files of one period that hold data of [from, to): update files whose period
 * overlaps the range, or RIB dumps from the last one at or before `from` to the last one before
 * `to` (a replay starts from the table as it stood at `from`).
 */
export function periodStarts(from: number, to: number, period: number): number[] {
  const starts: number[] = [];
  for (let t = Math.floor(from / period) * period; t < to; t += period) {
    starts.push(t);
    if (starts.length > MAX_PLANNED_FILES)
      throw badOption(`the range lists more than ${MAX_PLANNED_FILES} files; fetch it in parts`, 'to');
  }
  return starts;
}

function kindsOf(request: ArchivePlanRequest): readonly MrtKind[] {
  const kinds = request.kinds ?? MRT_KINDS;
  if (kinds.length === 0) throw badOption('no kind of file chosen (ribs, updates)', 'kind');
  for (const kind of kinds)
    if (!MRT_KINDS.includes(kind)) throw badOption(`unknown kind ${JSON.stringify(kind)}`, 'kind');
  return [...new Set(kinds)];
}

function collectorsOf(request: ArchivePlanRequest): string[] {
  if (request.collectors.length === 0)
    throw badOption(`name at least one collector for ${request.source}`, 'collector');
  return [...new Set(request.collectors)];
}

const RIS_COLLECTOR = /^rrc[0-9]{2}$/;
/** route-views2, route-views3, route-views.linx, route-views.amsix, ...: no path tricks. */
const ROUTEVIEWS_COLLECTOR = /^route-views[0-9]*(\.[a-z0-9-]+)*$/;

function risFiles(request: ArchivePlanRequest, base: string): ArchiveFile[] {
  const { from, to } = checkRange(request);
  const files: ArchiveFile[] = [];
  for (const collector of collectorsOf(request)) {
    if (!RIS_COLLECTOR.test(collector))
      throw badOption(`RIS collector ${JSON.stringify(collector)} is not rrcNN`, 'collector');
    for (const kind of kindsOf(request)) {
      const name = kind === 'ribs' ? 'bview' : 'updates';
      for (const time of periodStarts(from, to, ARCHIVE_PERIODS_MS.ris[kind])) {
        const rel = `${collector}/${monthFolder(time)}/${name}.${fileStamp(time)}.gz`;
        files.push({
          source: 'ris',
          collector,
          kind,
          time,
          url: `${base}/${rel}`,
          relativePath: `ris/${rel}`,
          compression: 'gzip',
        });
      }
    }
  }
  return files;
}

function routeViewsFiles(request: ArchivePlanRequest, base: string): ArchiveFile[] {
  const { from, to } = checkRange(request);
  const files: ArchiveFile[] = [];
  for (const collector of collectorsOf(request)) {
    if (!ROUTEVIEWS_COLLECTOR.test(collector))
      throw badOption(
        `RouteViews collector ${JSON.stringify(collector)} is not route-views2 or route-views.NAME`,
        'collector',
      );
    const segment = collector === ROUTEVIEWS_MAIN_COLLECTOR ? '' : `${collector}/`;
    for (const kind of kindsOf(request)) {
      const [folder, name] = kind === 'ribs' ? ['RIBS', 'rib'] : ['UPDATES', 'updates'];
      for (const time of periodStarts(from, to, ARCHIVE_PERIODS_MS.routeviews[kind])) {
        const rel = `${segment}bgpdata/${monthFolder(time)}/${folder}/${name}.${fileStamp(time)}.bz2`;
        files.push({
          source: 'routeviews',
          collector,
          kind,
          time,
          url: `${base}/${rel}`,
          relativePath: `routeviews/${segment === '' ? `${ROUTEVIEWS_MAIN_COLLECTOR}/` : ''}${rel}`,
          compression: 'bzip2',
        });
      }
    }
  }
  return files;
}

function rirFiles(request: ArchivePlanRequest, base: string): ArchiveFile[] {
  const latest = request.from === undefined && request.to === undefined;
  const days = latest ? [undefined] : periodStarts(checkRange(request).from, checkRange(request).to, DAY);
  const files: ArchiveFile[] = [];
  for (const rir of collectorsOf(request)) {
    if (!(RIR_NAMES as readonly string[]).includes(rir))
      throw badOption(`registry ${JSON.stringify(rir)} is not one of ${RIR_NAMES.join(', ')}`, 'collector');
    for (const day of days) {
      const rel = `${rir}/delegated-${rir}-extended-${day === undefined ? 'latest' : dayStamp(day)}`;
      files.push({
        source: 'rir',
        collector: rir,
        kind: 'delegated',
        time: day,
        url: `${base}/${rel}`,
        relativePath: `rir/${rel}`,
        // The RIRs publish these files uncompressed; older years are moved to archives elsewhere.
        compression: 'none',
      });
    }
  }
  return files;
}

function asNamesFile(base: string): ArchiveFile[] {
  const name = decodeURIComponent(new URL(base).pathname.split('/').pop() ?? '');
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\\'))
    throw badOption(`AS names URL ${JSON.stringify(base)} does not end with a file name`, 'base-url');
  return [
    {
      source: 'asnames',
      collector: 'asnames',
      kind: 'asnames',
      time: undefined,
      url: base,
      relativePath: `asnames/${name}`,
      compression: undefined,
    },
  ];
}

/** The files a request covers, in the order: collector, kind, time. */
export function planArchiveFiles(request: ArchivePlanRequest): ArchiveFile[] {
  const base = normalizeBaseUrl(request.baseUrl);
  switch (request.source) {
    case 'ris':
      return risFiles(request, base);
    case 'routeviews':
      return routeViewsFiles(request, base);
    case 'rir':
      return rirFiles(request, base);
    case 'asnames':
      return asNamesFile(base);
    default:
      throw badOption(`unknown source ${JSON.stringify(request.source as string)}`, 'source');
  }
}
