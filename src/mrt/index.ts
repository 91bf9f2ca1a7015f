/**
 * MRT archives (RFC 6396, RFC 8050): byte source (plain, gzip, bzip2, detected by magic number)
 * -> records -> BGP elements, and bgpdump-compatible text output.
 *
 * Two levels of API: `scanMrt` visits every element with one shared `ElementCursor` (no
 * allocation per element, for scans over millions of routes); `readElements` yields plain
 * `MrtElement` objects.
 *
 * @example
 * const formatter = new BgpdumpFormatter();
 * await scanMrt('updates.20150101.0000.gz', (cursor, decoder) => {
 *   const line = formatter.format(cursor, decoder.attributeGeneration);
 *   if (line !== undefined) process.stdout.write(line + '\n');
 * });
 */
export * from './constants.js';
export { ElementCursor, NextHopSource, type ElementType, type MrtElement } from './element.js';
export {
  MrtDecoder,
  type DecoderHooks,
  type DecoderOptions,
  type MrtProblem,
  type PeerIndexEntry,
  type RecordHeader,
} from './decoder.js';
export { MrtFramer, DEFAULT_MAX_RECORD_LENGTH, END_OF_STREAM } from './reader.js';
export { readMrtFileHead, type MrtFileHead } from './first-record.js';
export { BgpdumpFormatter, formatIPv6Bgpdump, type LineSink, type ByteSink } from './bgpdump.js';
export {
  scanMrt,
  scanMrtBuffer,
  scanMrtBytesSync,
  readElements,
  estimateMrtElements,
  type ElementVisitor,
  type ScanOptions,
  type ScanSummary,
  type ChunkState,
} from './scan.js';
export {
  openByteSource,
  byteSourceFromBuffer,
  detectCompression,
  nativeBzip2Available,
  nativeGzipAvailable,
  type ByteSource,
  type Compression,
  type Decompressor,
  type OpenOptions,
} from './byte-source.js';
export {
  MrtWriter,
  bgp4mpPeer,
  encodeRibAttributes,
  ribAttributesFromUpdate,
  type Bgp4mpPeer,
  type MrtWriterOptions,
  type PeerIndexTable,
  type RibEntry,
  type TableDumpPeer,
} from './writer.js';
export {
  MrtArchiveWriter,
  mrtFileName,
  repairGzipTail,
  scanGzipMembers,
  type ArchiveRepair,
  type GzipMemberScan,
  type MrtArchiveOptions,
} from './writer-archive.js';
