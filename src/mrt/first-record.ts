/**
 * What a file's first MRT record says about the whole file, read from its first chunk only: its
 * time and whether it is a RIB dump (to replay files in time order), the peer count of a
 * TABLE_DUMP_V2 RIB and an estimate of its elements (to size a routing table before loading).
 */
import { MrtType, TableDumpV2Subtype } from './constants.js';
import { estimateMrtElements } from './scan.js';
import { nativeBzip2Available, openByteSource } from './byte-source.js';

export interface MrtFileHead {
  /** Unix seconds of the first record; 0 when the file could not be read. */
  time: number;
  rib: boolean;
  /** Peers of a TABLE_DUMP_V2 RIB (its PEER_INDEX_TABLE); 0 when not known. */
  peers: number;
  /** About how many elements the file holds (a sizing hint). */
  elements: number;
}

const UNREADABLE: MrtFileHead = { time: 0, rib: false, peers: 0, elements: 0 };

/** Reads the head of `path`; an unreadable file gives zeros (decoding it reports the problem). */
export async function readMrtFileHead(path: string): Promise<MrtFileHead> {
  try {
    // Only the first chunk is read: a native bzip2 tool gives it soonest (a worker thread must
    // start first), and a cut stream's end, which the tools handle badly, is never reached.
    const source = await openByteSource(path, {
      decompressor: nativeBzip2Available() !== undefined ? 'native' : 'auto',
    });
    try {
      const elements = estimateMrtElements(source.compression, source.compressedSize ?? 0);
      for await (const chunk of source.chunks()) {
        if (chunk.length < 12) break;
        const type = chunk.readUInt16BE(4);
        const subtype = chunk.readUInt16BE(6);
        let peers = 0;
        if (
          type === MrtType.TABLE_DUMP_V2 &&
          subtype === TableDumpV2Subtype.PEER_INDEX_TABLE &&
          chunk.length >= 18
        ) {
          // Collector BGP id (4), view name length (2), view name, peer count (2).
          const at = 12 + 6 + chunk.readUInt16BE(16);
          if (at + 2 <= chunk.length) peers = chunk.readUInt16BE(at);
        }
        return {
          time: chunk.readUInt32BE(0),
          rib: type === MrtType.TABLE_DUMP || type === MrtType.TABLE_DUMP_V2,
          peers,
          elements,
        };
      }
    } finally {
      await source.close();
    }
  } catch {
    // Unreadable: decoding the file reports why.
  }
  return UNREADABLE;
}
