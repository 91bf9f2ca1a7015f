/**
 * The app sub-surface of the element bus (`cairn publish`, `cairn ingest nats://...`): publishing
 * MRT files and ingesting from the bus, without the intel or server-workspace modules of app. A
 * thin re-export of bus.ts.
 */
export {
  BUS_SEGMENTS_LABEL,
  BusIngestResult,
  PublishResult,
  busIngest,
  isBusUrl,
  publishMrtFiles,
} from './bus.js';
