/**
 * Windows PE build traits read from the bytes alone (never loaded or run): imphash as `pefile`
 * computes it, the Rich header and its hash, compile timestamp, linker version, sections with
 * entropy, resource languages, the CodeView PDB path and version-info strings. Every offset is
 * checked against the buffer; a broken structure becomes a problem with its offset and the other
 * traits are still read.
 */
import { createHash } from 'node:crypto';
import { CairnError } from '../../errors/index.js';
import { ordinalName } from './ordinals.js';

/** One `@comp.id` entry of the Rich header: product id, build number and use count. */
export interface RichEntry {
  productId: number;
  build: number;
  count: number;
}

export interface RichHeader {
  /** The XOR key (the checksum that follows `Rich`), as 8 hex digits. */
  key: string;
  entries: RichEntry[];
  /** md5 of the decoded bytes from `DanS` up to `Rich`, as pefile's get_rich_header_hash. */
  md5: string;
}

export interface PeSection {
  name: string;
  virtualAddress: number;
  virtualSize: number;
  rawOffset: number;
  rawSize: number;
  characteristics: number;
  /** Shannon entropy of the section's bytes in the file, bits per byte (0..8). */
  entropy: number;
}

export interface PeImport {
  dll: string;
  /** Function names; `ord<N>` for an ordinal with no known name, as pefile makes them. */
  functions: string[];
}

export interface PeTraits {
  machine: number;
  is64: boolean;
  /** IMAGE_FILE_HEADER.TimeDateStamp, seconds since 1970 (often forged or zeroed). */
  timestamp: number;
  /** The same stamp as ISO 8601 UTC. */
  compiledAt: string;
  linkerVersion: string;
  subsystem: number;
  characteristics: number;
  entryPoint: number;
  imageBase: string;
  sections: PeSection[];
  imports: PeImport[];
  /** md5 of `dll.function,...` lower-cased, as pefile's get_imphash; '' when there are no imports. */
  imphash: string;
  rich?: RichHeader;
  /** Resource language ids (LANGID), sorted, with how many resources use each. */
  resourceLanguages: { id: number; count: number }[];
  pdbPath?: string;
  pdbGuid?: string;
  /** StringFileInfo pairs of the version resource (CompanyName, OriginalFilename, ...). */
  versionInfo: Record<string, string>;
}

export interface PeReadResult {
  /** Undefined when the headers themselves cannot be read (see problems). */
  pe?: PeTraits;
  problems: CairnError[];
}

const MAX_SECTIONS = 96;
const MAX_IMPORT_DLLS = 4096;
const MAX_IMPORT_FUNCTIONS = 65536;
const MAX_NAME = 512;
const MAX_RESOURCE_ENTRIES = 65536;
const MAX_RESOURCE_DEPTH = 3;
const MAX_DEBUG_ENTRIES = 64;
const MAX_VERSION_STRINGS = 256;
const RT_VERSION = 16;
const CODEVIEW = 2;
const RICH = 0x68636952;
const DANS = 0x536e6144;

/** True when the buffer starts like a PE file (MZ and a PE signature where e_lfanew says). */
export function looksLikePe(bytes: Uint8Array): boolean {
  if (bytes.length < 0x40 || bytes[0] !== 0x4d || bytes[1] !== 0x5a) return false;
  const lfanew = u32(bytes, 0x3c);
  return lfanew + 4 <= bytes.length && u32(bytes, lfanew) === 0x00004550;
}

function u16(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8);
}
function u32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}
function hex32(n: number): string {
  return n.toString(16).padStart(8, '0');
}

/** Four tables of byte counts (each at most a quarter of a buffer: under 2^31), reused by `entropy`. */
const COUNTS = new Int32Array(4 * 256);

/** Shannon entropy in bits per byte. */
export function entropy(bytes: Uint8Array): number {
  const n = bytes.length;
  if (n === 0) return 0;
  const c = COUNTS;
  c.fill(0);
  // Four bytes at a time into four tables: a run of one byte value (the zeros of a padded
  // section) would otherwise make each count wait for the one before it.
  let i = 0;
  for (const end = n - 3; i < end; i += 4) {
    c[bytes[i]]++;
    c[256 + bytes[i + 1]]++;
    c[512 + bytes[i + 2]]++;
    c[768 + bytes[i + 3]]++;
  }
  for (; i < n; i++) c[bytes[i]]++;
  let h = 0;
  for (let k = 0; k < 256; k++) {
    const count = c[k] + c[256 + k] + c[512 + k] + c[768 + k];
    if (count === 0) continue;
    const p = count / n;
    h -= p * Math.log2(p);
  }
  return h;
}

class Reader {
  readonly problems: CairnError[] = [];
  /** The same bytes as a Buffer, made once, to decode names in place (no Buffer per name). */
  readonly view: Buffer;
  constructor(
    readonly bytes: Uint8Array,
    readonly file: string | undefined,
  ) {
    this.view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  }

  has(offset: number, length: number): boolean {
    return offset >= 0 && length >= 0 && offset + length <= this.bytes.length;
  }

  problem(
    code: 'SAMPLE_TRUNCATED_PE' | 'SAMPLE_BAD_PE' | 'SAMPLE_OUTSIDE_FILE' | 'SAMPLE_RESOURCE_LOOP',
    message: string,
    offset: number,
    field: string,
  ): void {
    this.problems.push(new CairnError(code, message, { file: this.file, offset, field }));
  }

  /** A NUL-terminated byte string at an offset, at most `max` bytes; undefined when outside. */
  cString(offset: number, max = MAX_NAME): string | undefined {
    if (!this.has(offset, 1)) return undefined;
    const end = Math.min(this.bytes.length, offset + max);
    let i = offset;
    while (i < end && this.bytes[i] !== 0) i++;
    return this.view.toString('latin1', offset, i);
  }
}

interface Layout {
  sections: { va: number; vsize: number; raw: number; rawSize: number }[];
  fileAlignment: number;
  sizeOfHeaders: number;
}

/** File offset of an RVA (pefile's get_offset_from_rva, simplified to the common cases). */
function rvaToOffset(layout: Layout, rva: number): number | undefined {
  for (const s of layout.sections) {
    const size = Math.max(s.vsize, s.rawSize);
    if (rva >= s.va && rva < s.va + size) {
      const raw = layout.fileAlignment < 0x200 ? s.raw : Math.floor(s.raw / 0x200) * 0x200;
      return rva - s.va + raw;
    }
  }
  if (rva < layout.sizeOfHeaders || layout.sections.length === 0) return rva;
  return undefined;
}

/** Reads the PE traits of a buffer that {@link looksLikePe}; never throws on bad input. */
export function readPe(bytes: Uint8Array, file?: string): PeReadResult {
  const r = new Reader(bytes, file);
  const pe = readHeaders(r);
  return pe === undefined ? { problems: r.problems } : { pe, problems: r.problems };
}

function readHeaders(r: Reader): PeTraits | undefined {
  const b = r.bytes;
  if (!r.has(0, 0x40)) {
    r.problem('SAMPLE_TRUNCATED_PE', 'file ends inside the DOS header', b.length, 'e_lfanew');
    return undefined;
  }
  const nt = u32(b, 0x3c);
  if (!r.has(nt, 24)) {
    r.problem('SAMPLE_TRUNCATED_PE', `e_lfanew ${nt} points past the end of the file`, 0x3c, 'e_lfanew');
    return undefined;
  }
  if (u32(b, nt) !== 0x00004550) {
    r.problem('SAMPLE_BAD_PE', 'no PE signature where e_lfanew points', nt, 'Signature');
    return undefined;
  }
  const fh = nt + 4;
  const machine = u16(b, fh);
  const numberOfSections = u16(b, fh + 2);
  const timestamp = u32(b, fh + 4);
  const sizeOfOptional = u16(b, fh + 16);
  const characteristics = u16(b, fh + 18);
  const opt = fh + 20;
  if (!r.has(opt, 2)) {
    r.problem('SAMPLE_TRUNCATED_PE', 'file ends before the optional header', opt, 'OptionalHeader');
    return undefined;
  }
  const magic = u16(b, opt);
  if (magic !== 0x10b && magic !== 0x20b) {
    r.problem(
      'SAMPLE_BAD_PE',
      `optional header magic 0x${magic.toString(16)} is neither PE32 nor PE32+`,
      opt,
      'Magic',
    );
    return undefined;
  }
  const is64 = magic === 0x20b;
  const fixed = is64 ? 112 : 96;
  if (!r.has(opt, fixed)) {
    r.problem('SAMPLE_TRUNCATED_PE', 'file ends inside the optional header', b.length, 'OptionalHeader');
    return undefined;
  }
  const linkerVersion = `${b[opt + 2]}.${b[opt + 3]}`;
  const entryPoint = u32(b, opt + 16);
  const imageBase = is64
    ? (BigInt(u32(b, opt + 24)) | (BigInt(u32(b, opt + 28)) << 32n)).toString(16)
    : u32(b, opt + 28).toString(16);
  const fileAlignment = u32(b, opt + 36);
  const sizeOfHeaders = u32(b, opt + 60);
  const subsystem = u16(b, opt + 68);
  const numberOfRva = Math.min(16, u32(b, opt + fixed - 4));
  const dirs = readDirectories(r, opt + fixed, numberOfRva, opt + sizeOfOptional);

  const sectionTable = opt + sizeOfOptional;
  const layout: Layout = { sections: [], fileAlignment, sizeOfHeaders };
  if (numberOfSections > MAX_SECTIONS) {
    r.problem(
      'SAMPLE_BAD_PE',
      `${numberOfSections} sections (more than ${MAX_SECTIONS}); reading the first ${MAX_SECTIONS}`,
      fh + 2,
      'NumberOfSections',
    );
  }
  const sections = readSections(r, sectionTable, Math.min(numberOfSections, MAX_SECTIONS), layout);

  const imports = readImports(r, layout, dirs[1], is64);
  const resources = readResources(r, layout, dirs[2]);
  const debug = readDebug(r, layout, dirs[6]);
  const rich = readRich(r, nt);
  return {
    machine,
    is64,
    timestamp,
    compiledAt: new Date(timestamp * 1000).toISOString().replace('.000Z', 'Z'),
    linkerVersion,
    subsystem,
    characteristics,
    entryPoint,
    imageBase,
    sections,
    imports,
    imphash: imphash(imports),
    ...(rich ? { rich } : {}),
    resourceLanguages: resources.languages,
    ...(debug.pdbPath !== undefined ? { pdbPath: debug.pdbPath, pdbGuid: debug.pdbGuid } : {}),
    versionInfo: resources.version,
  };
}

/** The data directories: `count` entries from `at`, those that end inside the file and before `end`. */
function readDirectories(r: Reader, at: number, count: number, end: number): { rva: number; size: number }[] {
  const b = r.bytes;
  const dirs: { rva: number; size: number }[] = [];
  for (let i = 0; i < count; i++) {
    const o = at + i * 8;
    if (!r.has(o, 8) || o + 8 > end) break;
    dirs.push({ rva: u32(b, o), size: u32(b, o + 4) });
  }
  return dirs;
}

/**
 * The section table's first `count` entries at `table`, each pushed on `layout` too. The loops
 * are apart from `readHeaders` (as `readDirectories`): run once per file, that one then stays in
 * the baseline tier, where a compile of all it holds (2 KB of bytecode: 60 ms of TurboFan per
 * thread) would cost more than it saves; the loops are what earns one.
 */
function readSections(r: Reader, table: number, count: number, layout: Layout): PeSection[] {
  const b = r.bytes;
  const sections: PeSection[] = [];
  for (let i = 0; i < count; i++) {
    const o = table + i * 40;
    if (!r.has(o, 40)) {
      r.problem(
        'SAMPLE_TRUNCATED_PE',
        `section table ends past the end of the file (section ${i})`,
        o,
        'SectionTable',
      );
      break;
    }
    // The name's bytes as latin1 characters, by hand: Buffer's toString, inlined here, would be
    // most of this loop's compile.
    let name = '';
    for (let k = o; k < o + 8 && b[k] !== 0; k++) name += String.fromCharCode(b[k]);
    const vsize = u32(b, o + 8);
    const va = u32(b, o + 12);
    const rawSize = u32(b, o + 16);
    const raw = u32(b, o + 20);
    const secChars = u32(b, o + 36);
    layout.sections.push({ va, vsize, raw, rawSize });
    const start = layout.fileAlignment < 0x200 ? raw : Math.floor(raw / 0x200) * 0x200;
    if (rawSize > 0 && raw + rawSize > b.length) {
      r.problem(
        'SAMPLE_OUTSIDE_FILE',
        `section ${name} raw data [${raw}, ${raw + rawSize}) runs past the end of the file (${b.length} bytes)`,
        o + 20,
        'PointerToRawData',
      );
    }
    const end = Math.min(raw + rawSize, b.length);
    const data = start < end ? b.subarray(start, end) : b.subarray(0, 0);
    sections.push({
      name,
      virtualAddress: va,
      virtualSize: vsize,
      rawOffset: raw,
      rawSize,
      characteristics: secChars,
      entropy: entropy(data),
    });
  }
  return sections;
}

/** pefile's rule for a DLL name it keeps (is_valid_dos_filename). */
function validDllName(s: string): boolean {
  return s.length > 0 && /^[A-Za-z0-9!#$%&'()\-@^_`{}~+,.;=[\]\\/ :]+$/.test(s);
}
/** pefile's rule for an import name it keeps (is_valid_function_name). */
function validFunctionName(s: string): boolean {
  return s.length > 0 && /^[A-Za-z0-9_?@$()<>.:-]+$/.test(s);
}

function readImports(
  r: Reader,
  layout: Layout,
  dir: { rva: number; size: number } | undefined,
  is64: boolean,
): PeImport[] {
  const out: PeImport[] = [];
  if (dir === undefined || dir.rva === 0) return out;
  const b = r.bytes;
  const start = rvaToOffset(layout, dir.rva);
  if (start === undefined || !r.has(start, 20)) {
    r.problem(
      'SAMPLE_OUTSIDE_FILE',
      `import directory RVA 0x${dir.rva.toString(16)} is outside the file`,
      start ?? 0,
      'ImportDirectory',
    );
    return out;
  }
  let functionsRead = 0;
  for (let i = 0; i < MAX_IMPORT_DLLS; i++) {
    const d = start + i * 20;
    if (!r.has(d, 20)) {
      r.problem(
        'SAMPLE_TRUNCATED_PE',
        'import descriptors run past the end of the file',
        d,
        'ImportDirectory',
      );
      break;
    }
    const oft = u32(b, d);
    const nameRva = u32(b, d + 12);
    const ft = u32(b, d + 16);
    let allZero = true;
    for (let k = 0; k < 20; k++) if (b[d + k] !== 0) allZero = false;
    if (allZero) break;
    const nameOff = rvaToOffset(layout, nameRva);
    const rawName = nameOff === undefined ? undefined : r.cString(nameOff);
    if (rawName === undefined) {
      r.problem(
        'SAMPLE_OUTSIDE_FILE',
        `import DLL name RVA 0x${nameRva.toString(16)} is outside the file`,
        d + 12,
        'Name',
      );
      continue;
    }
    const dll = validDllName(rawName) ? rawName : '*invalid*';
    const thunkRva = oft !== 0 ? oft : ft;
    let thunk = rvaToOffset(layout, thunkRva);
    if (thunk === undefined) {
      r.problem(
        'SAMPLE_OUTSIDE_FILE',
        `import thunks of ${dll} at RVA 0x${thunkRva.toString(16)} are outside the file`,
        d,
        'OriginalFirstThunk',
      );
      continue;
    }
    const functions: string[] = [];
    const width = is64 ? 8 : 4;
    for (;;) {
      if (!r.has(thunk, width)) {
        r.problem(
          'SAMPLE_TRUNCATED_PE',
          `import thunks of ${dll} run past the end of the file`,
          thunk,
          'Thunk',
        );
        break;
      }
      const low = u32(b, thunk);
      const high = is64 ? u32(b, thunk + 4) : 0;
      if (low === 0 && high === 0) break;
      if (++functionsRead > MAX_IMPORT_FUNCTIONS) {
        r.problem('SAMPLE_BAD_PE', `more than ${MAX_IMPORT_FUNCTIONS} imported functions`, thunk, 'Thunk');
        return out;
      }
      const byOrdinal = is64 ? (high & 0x80000000) !== 0 : (low & 0x80000000) !== 0;
      if (byOrdinal) {
        const ordinal = low & 0xffff;
        functions.push(ordinalName(dll.toLowerCase(), ordinal) ?? `ord${ordinal}`);
      } else {
        const hintOff = rvaToOffset(layout, low & 0x7fffffff);
        const name = hintOff === undefined ? undefined : r.cString(hintOff + 2);
        if (name === undefined) {
          r.problem(
            'SAMPLE_OUTSIDE_FILE',
            `import name of ${dll} at RVA 0x${low.toString(16)} is outside the file`,
            thunk,
            'Thunk',
          );
        } else {
          functions.push(validFunctionName(name) ? name : '*invalid*');
        }
      }
      thunk += width;
    }
    out.push({ dll, functions });
  }
  return out;
}

/** pefile's get_imphash: `lib.func` lower-case, ocx/sys/dll extension stripped, md5 of the joined list. */
export function imphash(imports: readonly PeImport[]): string {
  const parts: string[] = [];
  for (const entry of imports) {
    let lib = entry.dll.toLowerCase();
    const dot = lib.lastIndexOf('.');
    if (dot >= 0 && ['ocx', 'sys', 'dll'].includes(lib.slice(dot + 1))) lib = lib.slice(0, dot);
    for (const fn of entry.functions) parts.push(`${lib}.${fn.toLowerCase()}`);
  }
  if (parts.length === 0) return '';
  return createHash('md5').update(parts.join(',')).digest('hex');
}

/** The Rich header between the DOS stub and the PE signature, decoded as pefile does. */
function readRich(r: Reader, nt: number): RichHeader | undefined {
  const b = r.bytes;
  const limit = Math.min(nt + 24, b.length);
  let at = -1;
  for (let i = 0x80; i + 4 <= limit; i++) {
    if (u32(b, i) === RICH) {
      at = i;
      break;
    }
  }
  if (at < 0 || (at - 0x80) % 4 !== 0 || !r.has(at + 4, 4)) return undefined;
  const key = u32(b, at + 4);
  if (at - 0x80 < 16) return undefined;
  if ((u32(b, 0x80) ^ key) !== DANS || u32(b, 0x84) !== key || u32(b, 0x88) !== key || u32(b, 0x8c) !== key) {
    return undefined;
  }
  const clear = Buffer.alloc(at - 0x80);
  for (let i = 0; i < clear.length; i += 4) clear.writeUInt32LE((u32(b, 0x80 + i) ^ key) >>> 0, i);
  const entries: RichEntry[] = [];
  for (let o = 0x90; o + 8 <= at; o += 8) {
    const compId = (u32(b, o) ^ key) >>> 0;
    const count = (u32(b, o + 4) ^ key) >>> 0;
    entries.push({ productId: compId >>> 16, build: compId & 0xffff, count });
  }
  return { key: hex32(key), entries, md5: createHash('md5').update(clear).digest('hex') };
}

function readDebug(
  r: Reader,
  layout: Layout,
  dir: { rva: number; size: number } | undefined,
): { pdbPath?: string; pdbGuid?: string } {
  if (dir === undefined || dir.rva === 0 || dir.size === 0) return {};
  const b = r.bytes;
  const start = rvaToOffset(layout, dir.rva);
  if (start === undefined || !r.has(start, 28)) {
    r.problem(
      'SAMPLE_OUTSIDE_FILE',
      `debug directory RVA 0x${dir.rva.toString(16)} is outside the file`,
      start ?? 0,
      'DebugDirectory',
    );
    return {};
  }
  const n = Math.min(Math.floor(dir.size / 28), MAX_DEBUG_ENTRIES);
  for (let i = 0; i < n; i++) {
    const e = start + i * 28;
    if (!r.has(e, 28)) break;
    if (u32(b, e + 12) !== CODEVIEW) continue;
    const size = u32(b, e + 16);
    const ptr = u32(b, e + 24);
    if (!r.has(ptr, Math.min(size, 24)) || size < 24) {
      r.problem('SAMPLE_OUTSIDE_FILE', 'CodeView record is outside the file', e + 24, 'PointerToRawData');
      continue;
    }
    if (u32(b, ptr) !== 0x53445352) continue; // 'RSDS'
    const g = b.subarray(ptr + 4, ptr + 20);
    const guid =
      hex32(u32(g, 0)) +
      '-' +
      u16(g, 4).toString(16).padStart(4, '0') +
      '-' +
      u16(g, 6).toString(16).padStart(4, '0') +
      '-' +
      Buffer.from(g.subarray(8, 10)).toString('hex') +
      '-' +
      Buffer.from(g.subarray(10, 16)).toString('hex');
    const path = r.cString(ptr + 24, Math.min(MAX_NAME, Math.max(0, size - 24)));
    if (path !== undefined) return { pdbPath: Buffer.from(path, 'latin1').toString('utf8'), pdbGuid: guid };
  }
  return {};
}

interface ResourceResult {
  languages: { id: number; count: number }[];
  version: Record<string, string>;
}

function readResources(
  r: Reader,
  layout: Layout,
  dir: { rva: number; size: number } | undefined,
): ResourceResult {
  const result: ResourceResult = { languages: [], version: {} };
  if (dir === undefined || dir.rva === 0) return result;
  const b = r.bytes;
  const base = rvaToOffset(layout, dir.rva);
  if (base === undefined || !r.has(base, 16)) {
    r.problem(
      'SAMPLE_OUTSIDE_FILE',
      `resource directory RVA 0x${dir.rva.toString(16)} is outside the file`,
      base ?? 0,
      'ResourceDirectory',
    );
    return result;
  }
  const langs = new Map<number, number>();
  const visited = new Set<number>();
  let entriesRead = 0;
  const walk = (offset: number, depth: number, typeId: number | undefined): void => {
    if (visited.has(offset)) {
      r.problem(
        'SAMPLE_RESOURCE_LOOP',
        'resource directory refers back to a directory already read',
        offset,
        'ResourceDirectory',
      );
      return;
    }
    visited.add(offset);
    if (!r.has(offset, 16)) {
      r.problem('SAMPLE_OUTSIDE_FILE', 'resource directory is outside the file', offset, 'ResourceDirectory');
      return;
    }
    const count = u16(b, offset + 12) + u16(b, offset + 14);
    for (let i = 0; i < count; i++) {
      const e = offset + 16 + i * 8;
      if (!r.has(e, 8)) {
        r.problem(
          'SAMPLE_TRUNCATED_PE',
          'resource directory entries run past the end of the file',
          e,
          'ResourceDirectoryEntry',
        );
        return;
      }
      if (++entriesRead > MAX_RESOURCE_ENTRIES) {
        r.problem(
          'SAMPLE_BAD_PE',
          `more than ${MAX_RESOURCE_ENTRIES} resource entries`,
          e,
          'ResourceDirectoryEntry',
        );
        return;
      }
      const name = u32(b, e);
      const target = u32(b, e + 4);
      const id = (name & 0x80000000) !== 0 ? undefined : name & 0xffff;
      const isDir = (target & 0x80000000) !== 0;
      const child = base + (target & 0x7fffffff);
      if (isDir) {
        if (depth + 1 >= MAX_RESOURCE_DEPTH) {
          r.problem(
            'SAMPLE_RESOURCE_LOOP',
            `resource directory nests deeper than ${MAX_RESOURCE_DEPTH} levels`,
            e + 4,
            'OffsetToData',
          );
          continue;
        }
        walk(child, depth + 1, depth === 0 ? id : typeId);
      } else if (depth === 2) {
        langs.set(id ?? 0, (langs.get(id ?? 0) ?? 0) + 1);
        if (typeId === RT_VERSION && Object.keys(result.version).length === 0) {
          if (!r.has(child, 16)) {
            r.problem(
              'SAMPLE_OUTSIDE_FILE',
              'resource data entry is outside the file',
              child,
              'ResourceDataEntry',
            );
            continue;
          }
          const dataOff = rvaToOffset(layout, u32(b, child));
          const size = u32(b, child + 4);
          if (dataOff === undefined || !r.has(dataOff, size)) {
            r.problem(
              'SAMPLE_OUTSIDE_FILE',
              'version resource data is outside the file',
              child,
              'OffsetToData',
            );
            continue;
          }
          result.version = readVersionInfo(b.subarray(dataOff, dataOff + size));
        }
      }
    }
  };
  walk(base, 0, undefined);
  result.languages = [...langs].sort((x, y) => x[0] - y[0]).map(([id, count]) => ({ id, count }));
  return result;
}

/** The strings of VS_VERSIONINFO's StringFileInfo blocks (a tree of length-prefixed nodes). */
function readVersionInfo(data: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  let strings = 0;
  const node = (offset: number, end: number, depth: number): void => {
    while (offset + 6 <= end && strings < MAX_VERSION_STRINGS) {
      const length = u16(data, offset);
      if (length < 6) return;
      const nodeEnd = Math.min(offset + length, end);
      const valueLength = u16(data, offset + 2);
      const type = u16(data, offset + 4);
      let k = offset + 6;
      while (k + 1 < nodeEnd && (data[k] !== 0 || data[k + 1] !== 0)) k += 2;
      const key = Buffer.from(data.subarray(offset + 6, k)).toString('utf16le');
      let value = (k + 2 + 3) & ~3;
      if (depth === 3 && type === 1) {
        const text = Buffer.from(data.subarray(value, Math.min(value + valueLength * 2, nodeEnd))).toString(
          'utf16le',
        );
        out[key] = text.replace(/\0+$/, '');
        strings++;
      } else if (depth === 0 || (depth === 1 && key === 'StringFileInfo') || depth === 2) {
        if (depth === 0) value = (value + valueLength + 3) & ~3;
        node(value, nodeEnd, depth + 1);
      }
      offset = (offset + length + 3) & ~3;
      if (depth === 0) return;
    }
  };
  node(0, data.length, 0);
  return out;
}
