/**
 * The analysis of one sample's bytes: hashes, fuzzy hashes, type, PE build traits and network
 * strings. Its own surface (not only through intel's index) so that the worker threads of
 * `cairn intel sample` load this and what it needs, not the whole of intel.
 *
 * @example
 * import { analyzeSample } from '../intel/sample/analyze.js';
 * analyzeSample(readFileSync('dropper.exe'), { file: 'dropper.exe' }).hashes.ssdeep;
 */
import * as crypto from 'node:crypto';
import type { CairnError } from '../../errors/index.js';
import { md5Lanes, SsdeepHasher, TlshHasher } from '../../hash/index.js';
import { fileType, type FileType } from './magic.js';
import { looksLikePe, readPe, type PeTraits } from './pe.js';
import { networkStrings, type NetworkString } from './strings.js';

export interface SampleHashes {
  md5: string;
  sha1: string;
  sha256: string;
  ssdeep: string;
  /** `T1…`, or undefined when TLSH has no digest for the file (under 50 bytes, too uniform). */
  tlsh?: string;
}

export interface SampleFacts {
  size: number;
  type: FileType;
  hashes: SampleHashes;
  pe?: PeTraits;
  strings: NetworkString[];
  /** Problems found in the file's structures (each with file and offset); the rest was read. */
  problems: CairnError[];
}

export interface SampleOptions {
  /** Name used in problem locations. */
  file?: string;
  /** The victim's internal host naming, flagged as insider knowledge. */
  victimNaming?: RegExp;
  /** The bytes' MD5 when it was computed already (`groupMd5s`), as lower-case hex. */
  md5?: string;
}

/**
 * The MD5s of several buffers computed side by side (four at a time, `md5Lanes`), in order;
 * undefined where WebAssembly SIMD is not available (each file's MD5 is then its own).
 */
export function groupMd5s(buffers: readonly Uint8Array[]): string[] | undefined {
  return md5Lanes()?.digests(buffers);
}

/**
 * The hex digest of a whole buffer: node:crypto's one-shot `hash` (Node 20.12+: no Hash object,
 * stream or encoding step per digest), else a Hash object.
 */
const hexDigest: (algorithm: 'md5' | 'sha1' | 'sha256', bytes: Uint8Array) => string =
  typeof (crypto as { hash?: unknown }).hash === 'function'
    ? (algorithm, bytes) => crypto.hash(algorithm, bytes, 'hex')
    : (algorithm, bytes) => crypto.createHash(algorithm).update(bytes).digest('hex');

/** md5, sha1, sha256, ssdeep and TLSH of a buffer, in one pass each. */
export function sampleHashes(bytes: Uint8Array, md5?: string): SampleHashes {
  const tlsh = new TlshHasher({ oneByteChecksum: true }).update(bytes).digest();
  return {
    md5: md5 ?? hexDigest('md5', bytes),
    sha1: hexDigest('sha1', bytes),
    sha256: hexDigest('sha256', bytes),
    ssdeep: new SsdeepHasher().setTotalLength(bytes.length).update(bytes).digest(),
    ...(tlsh !== undefined ? { tlsh } : {}),
  };
}

/** A sample's facts other than its hashes (what `sampleHashes` does not compute). */
export type SampleTraits = Omit<SampleFacts, 'hashes'>;

/**
 * Size, type, PE build traits, network strings and problems of a sample's bytes: `analyzeSample`
 * without the hashes, so that one thread can hash a file while another reads its traits.
 * Never throws on bad input.
 */
export function sampleTraits(bytes: Uint8Array, options: SampleOptions = {}): SampleTraits {
  const problems: CairnError[] = [];
  let pe: PeTraits | undefined;
  if (bytes.length >= 2 && bytes[0] === 0x4d && bytes[1] === 0x5a) {
    // A DOS program without a PE header is legitimate; a PE header cut off by the file's end is not.
    const lfanew =
      bytes.length >= 0x40 ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).readUInt32LE(0x3c) : 0;
    if (
      looksLikePe(bytes) ||
      bytes.length < 0x40 ||
      (lfanew >= 0x40 && lfanew + 4 > bytes.length && lfanew < 0x10000000)
    ) {
      const read = readPe(bytes, options.file);
      pe = read.pe;
      problems.push(...read.problems);
    }
  }
  return {
    size: bytes.length,
    type: fileType(bytes),
    ...(pe ? { pe } : {}),
    strings: networkStrings(bytes, options.victimNaming),
    problems,
  };
}

/** Everything cairn reads from one sample's bytes; never throws on bad input. */
export function analyzeSample(bytes: Uint8Array, options: SampleOptions = {}): SampleFacts {
  const { size, type, pe, strings, problems } = sampleTraits(bytes, options);
  // Keys in this order: the JSON of a split read (app/sample-read.ts) is spliced in the same one.
  return {
    size,
    type,
    hashes: sampleHashes(bytes, options.md5),
    ...(pe ? { pe } : {}),
    strings,
    problems,
  };
}
