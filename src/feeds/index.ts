export * from './ris-live/index.js';
/**
 * feeds: getting real data. The archive fetcher (RIPE RIS and RouteViews MRT archives, RIR
 * delegated statistics, AS names) lives in archive/; the RIS Live client in ris-live/; the element
 * bus on NATS JetStream (publishers, the ingest worker's durable consumer) in bus/. They hand files
 * and elements to mrt/ and observatory/ like any other file or session.
 */
export * from './archive/index.js';
export * from './bus/index.js';
