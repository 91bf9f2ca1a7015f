/**
 * Codes raised by mrt/: the byte source (plain, gzip, bzip2), the record framing and the record
 * decoders. Record problems are reported through `onProblem` and the record is skipped; stream
 * problems end the stream after every byte that could be recovered was delivered.
 */
import type { CodeSpec } from '../category.js';

const DAMAGED_RECORD_ACTION =
  'The record is skipped and decoding goes on. Many of these in one file mean it is damaged or not MRT: fetch it again, and compare with bgpdump.';

export const MRT_CODES = {
  MRT_WRITE_FAILED: {
    category: 'unavailable',
    description: 'Writing an MRT archive file failed (disk full, permissions, directory removed).',
    action: 'Check the output directory: free space, permissions.',
  },
  MRT_ARCHIVE_REPAIRED: {
    category: 'input',
    description:
      'An archive file left by a crash ended in a truncated gzip member: it was cut back to its last complete member, or moved aside (NAME.damaged) when it had none, before new records were appended.',
    action:
      'Nothing to do: at most the last flush interval before the crash is lost. A moved-aside file can be read with a tolerant reader.',
  },
  MRT_WRITER_CLOSED: {
    category: 'internal',
    description: 'A record was written to an MRT archive writer after it was closed.',
    action: 'Report a bug: callers write only to open writers.',
  },
  MRT_WRITE_MIXED_FAMILIES: {
    category: 'input',
    description:
      'A peer and the local address it is collected on are of different families (IPv4 and IPv6); MRT BGP4MP records need one family.',
    action: 'Configure a local address of the same family as the peer.',
  },
  MRT_WRITE_BAD_FIELD: {
    category: 'internal',
    description:
      'A record handed to the MRT writer has a field it cannot encode (an address of the wrong family, path ids on some RIB entries only, finish() on a streaming writer).',
    action: 'Report a bug with the message: the caller builds records the writer documents.',
  },
  MRT_BAD_OPTION: {
    category: 'usage',
    description: 'A byte-source option is out of range (highWaterMark must be an integer from 64 to 2^30).',
    action: 'Pass a value in the range the message gives.',
  },
  MRT_READ_ERROR: {
    category: 'unavailable',
    description: 'The file cannot be read (missing, a directory, no permission, I/O error).',
    action: 'Check the path and its permissions.',
  },
  MRT_NO_NATIVE_DECOMPRESSOR: {
    category: 'unavailable',
    description:
      'A native decompressor was asked for but is not on PATH: lbzip2 or bzip2 for bzip2 files, igzip or libdeflate-gunzip for gzip files.',
    action:
      'Install it (lbzip2, bzip2, isal, libdeflate-tools), or let cairn choose (it falls back to its own bzip2 decoder, and reads gzip with zlib).',
  },
  MRT_DECOMPRESSOR_FAILED: {
    category: 'unavailable',
    description: 'The native decompressor could not be started.',
    action:
      'Check that the tool on PATH (lbzip2, bzip2, igzip, libdeflate-gunzip) runs; or ask for the built-in decoder.',
  },
  MRT_TRUNCATED_STREAM: {
    category: 'input',
    description:
      'The compressed stream (gzip or bzip2) ends before its end marker: the file was cut, often by an interrupted download. Everything before the cut was delivered.',
    action: 'Fetch the file again; the records before the cut are usable.',
  },
  MRT_CORRUPT_STREAM: {
    category: 'input',
    description:
      'The compressed stream is damaged (bad CRC, bad block, trailing data that is not another stream). Everything before the damage was delivered.',
    action: 'Fetch the file again; compare its checksum with the one the archive publishes.',
  },
  MRT_TRUNCATED_HEADER: {
    category: 'input',
    description: 'The stream ends inside a 12-byte MRT common header.',
    action: 'The file is cut; fetch it again. The records before were decoded.',
  },
  MRT_TRUNCATED_RECORD: {
    category: 'input',
    description: 'An MRT record, or a field inside it, ends before its declared length.',
    action: DAMAGED_RECORD_ACTION,
  },
  MRT_RECORD_TOO_LARGE: {
    category: 'input',
    description:
      'A record declares a length above the bound of the reader; the header is probably out of step with the data. The record is skipped.',
    action: 'If the file is MRT and the record real, raise maxRecordLength; otherwise the file is damaged.',
  },
  MRT_UNKNOWN_TYPE: {
    category: 'input',
    description:
      'The MRT record type is not one cairn decodes (RFC 6396 TABLE_DUMP, TABLE_DUMP_V2, BGP4MP, BGP4MP_ET); the record is skipped.',
    action: 'Nothing to do if the file mixes in other record types; otherwise check it is MRT.',
  },
  MRT_UNKNOWN_SUBTYPE: {
    category: 'input',
    description: 'The MRT subtype is not one cairn decodes for its type; the record is skipped.',
    action: 'Nothing to do unless the subtype is one you need; then open an issue with a sample.',
  },
  MRT_UNSUPPORTED_AFI: {
    category: 'input',
    description:
      'A record carries an address family (or AFI/SAFI pair) other than IPv4 and IPv6 unicast; it is skipped.',
    action: 'Nothing to do: only IPv4 and IPv6 unicast routes are decoded.',
  },
  MRT_NO_PEER_INDEX: {
    category: 'input',
    description:
      'A TABLE_DUMP_V2 RIB record comes before any PEER_INDEX_TABLE, so its peers cannot be named; it is skipped.',
    action: 'The RIB dump is cut at its start or records were reordered: fetch it again.',
  },
  MRT_BAD_PEER_INDEX: {
    category: 'input',
    description: 'A RIB entry names a peer index past the end of the PEER_INDEX_TABLE.',
    action: DAMAGED_RECORD_ACTION,
  },
  MRT_BAD_PREFIX_LENGTH: {
    category: 'input',
    description: 'A record prefix length exceeds 32 (IPv4) or 128 (IPv6).',
    action: DAMAGED_RECORD_ACTION,
  },
  MRT_BAD_ATTRIBUTE_LENGTH: {
    category: 'input',
    description: 'The attribute length of a RIB entry or TABLE_DUMP record runs past the record.',
    action: DAMAGED_RECORD_ACTION,
  },
  MRT_TRAILING_BYTES: {
    category: 'input',
    description: 'A RIB record holds bytes after its last entry.',
    action: 'The entries were decoded; the extra bytes are ignored. Nothing to do unless it is frequent.',
  },
  MRT_SHORT_STATE_CHANGE: {
    category: 'input',
    description:
      'An 8-byte BGP4MP STATE_CHANGE without addresses, as old Zebra wrote; the element has no peer addresses.',
    action: 'Nothing to do: the state change is kept.',
  },
  MRT_DECODE_FAILED: {
    category: 'internal',
    description: 'The record decoder threw an unexpected error.',
    action: 'Report a bug with the file and the offset in the message.',
  },
} as const satisfies Record<string, CodeSpec>;

export type MrtErrorCode = keyof typeof MRT_CODES;
