export * from './ris-live/index.js';
/**
 * feeds: getting real data. The archive fetcher (RIPE RIS and RouteViews MRT archives, RIR
 * delegated statistics, AS names) lives in archive/; the RIS Live client in ris-live/. Both hand
 * files and elements to mrt/ and observatory/ like any other file or session.
 */
export * from './archive/index.js';
export * from './bus/index.js';
