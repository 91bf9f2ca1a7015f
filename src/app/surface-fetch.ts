/**
 * The app sub-surface of `cairn fetch`: fetching public archive files into a local mirror, without
 * the routing, intel, store or bus modules of app. A thin re-export of fetch.ts and feeds' limits.
 */
export {
  FETCH_BYTES_LABEL,
  FETCH_FILES_LABEL,
  FetchInput,
  FetchResult,
  fetchArchives,
  fetchedFilePaths,
  type FetchHooks,
} from './fetch.js';
export {
  DEFAULT_CONCURRENCY as DEFAULT_FETCH_CONCURRENCY,
  MAX_CONCURRENCY as MAX_FETCH_CONCURRENCY,
} from '../feeds/index.js';
export type { ProgressReport, WorkHooks } from './progress.js';
