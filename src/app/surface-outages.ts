/**
 * The app sub-surface of `cairn outages` and `cairn watch`: outage replay and following, RIS Live,
 * without the intel, store or server-workspace modules of app. A thin re-export.
 */
export {
  ARCHIVE_GAP_SECONDS,
  NoDataLine,
  OutageEventLine,
  SessionResetLine,
  followOutages,
  outageBinsCsv,
  replayOutages,
  type SelectionInput,
} from './outages.js';
export { AlertJson } from './live.js';
export { DEFAULT_ALERT_SOCKET } from './alert-stream.js';
export { OUTAGE_DEFAULTS } from '../observatory/index.js';
export { WatchStats, watchRisLive } from './watch.js';
