/**
 * The archive fetcher: the public layouts of RIPE RIS, RouteViews, the RIR statistics and an AS
 * names file (layouts.ts, pure), downloads that resume and retry (download.ts), verification
 * through mrt's byte source (verify.ts) and the fetch of a whole plan with a cache
 * (fetcher.ts).
 */
export {
  ARCHIVE_PERIODS_MS,
  ARCHIVE_SOURCES,
  MAX_PLANNED_FILES,
  MRT_KINDS,
  RIR_NAMES,
  ROUTEVIEWS_MAIN_COLLECTOR,
  dayStamp,
  fileStamp,
  monthFolder,
  normalizeBaseUrl,
  periodStarts,
  planArchiveFiles,
  type ArchiveFile,
  type ArchiveKind,
  type ArchivePlanRequest,
  type ArchiveSource,
  type MrtKind,
} from './layouts.js';
export { BASE_URL_ENV, PUBLIC_BASE_URLS, resolveBaseUrl } from './sources.js';
export {
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_RETRY,
  retryDelay,
  downloadFile,
  partMetaPath,
  removePart,
  type DownloadOptions,
  type DownloadResult,
  type RetryNotice,
  type RetryPolicy,
} from './download.js';
export { verifyArchiveFile, type VerifiedFile } from './verify.js';
export {
  DEFAULT_CONCURRENCY,
  DEFAULT_LATEST_MAX_AGE_MS,
  MAX_CONCURRENCY,
  fetchArchiveFiles,
  localPathOf,
  type FetchArchiveOptions,
  type FetchHooks,
  type FetchStatus,
  type FetchedFile,
} from './fetcher.js';
