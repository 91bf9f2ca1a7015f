/**
 * MISP in and out: `importMispEvent` reads every shape MISP writes (see README.md),
 * `importMispGalaxy` galaxy cluster files, `mispEventChunks` writes a case as a MISP event.
 */
export { importMispEvent, importMispDocument, importMispSource } from './import.js';
export type { MispImportOptions } from './import.js';
export { importMispGalaxy } from './galaxies.js';
export { mispEventChunks, exportUuid } from './export.js';
export type { MispAttribution, MispExportOptions } from './export.js';
export { MISP_INDICATOR_TYPES, MISP_CONTEXT_TYPES, describeMispType } from './types.js';
export { MAX_OBJECT_ATTRIBUTES } from './event.js';
export { MAX_RESPONSE_DEPTH, MISP_MEMBERS, mispItems } from './shapes.js';
export type { MispItem } from './shapes.js';
export { MispFeedHashes, checkMispFeedHashes, readMispFeedHashes, mispCaseValues } from './feed-hashes.js';
