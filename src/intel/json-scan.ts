/**
 * Splits a large JSON document into its array elements without parsing it whole, so a bundle of
 * thousands of objects is parsed one object at a time: a broken object is reported at its JSON
 * path and byte offset and the others still import, and a truncated file still yields every
 * object before the cut.
 */
import { gunzipSync } from 'node:zlib';
import { CairnError } from '../errors/index.js';

/** Largest decompressed input accepted (bounds gzip bombs). */
export const MAX_INPUT_BYTES = 512 * 1024 * 1024;

/**
 * Turns input bytes into text: gunzips when the bytes start with the gzip magic (1f 8b), drops a
 * UTF-8 byte-order mark, decodes UTF-16 announced by its byte-order mark. Bytes that are not valid
 * UTF-8 are refused (INTEL_BAD_INPUT with the byte offset) rather than turned into U+FFFD
 * silently, and so is UTF-16 without a byte-order mark. Strings are returned as they are.
 */
export function decodeInput(input: Uint8Array | string, file = '<input>'): string {
  if (typeof input === 'string') return input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  let bytes = input;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: MAX_INPUT_BYTES });
    } catch (err) {
      throw new CairnError(
        'INTEL_BAD_GZIP',
        `cannot gunzip: ${(err as Error).message}`,
        { file, offset: 0 },
        { cause: err },
      );
    }
  }
  const utf16 = utf16ByteOrder(bytes);
  if (utf16 !== undefined) return decodeUtf16(bytes, utf16, file);
  // NULs are valid UTF-8, so UTF-16 without its mark would decode to text of one garbage line.
  if (looksLikeBareUtf16(bytes))
    throw new CairnError(
      'INTEL_BAD_INPUT',
      'UTF-16 text without a byte-order mark: save it as UTF-8 (or UTF-16 with its BOM)',
      { file, offset: 0 },
    );
  try {
    const text = UTF8.decode(bytes);
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch {
    const offset = firstInvalidUtf8(bytes);
    throw new CairnError(
      'INTEL_BAD_INPUT',
      `invalid UTF-8 at byte ${offset} (0x${(bytes[offset] ?? 0).toString(16).padStart(2, '0')})`,
      { file, offset },
    );
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** 'le' or 'be' when the bytes start with a UTF-16 byte-order mark. */
function utf16ByteOrder(bytes: Uint8Array): 'le' | 'be' | undefined {
  if (bytes.length < 2) return undefined;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'be';
  return undefined;
}

function decodeUtf16(bytes: Uint8Array, order: 'le' | 'be', file: string): string {
  let body = bytes.subarray(2);
  if (body.length % 2 !== 0)
    throw new CairnError('INTEL_BAD_INPUT', `UTF-16${order.toUpperCase()} text of an odd number of bytes`, {
      file,
      offset: bytes.length - 1,
    });
  if (order === 'be') {
    const swapped = Buffer.from(body);
    swapped.swap16();
    body = swapped;
  }
  try {
    return new TextDecoder('utf-16le', { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    throw new CairnError('INTEL_BAD_INPUT', `UTF-16${order.toUpperCase()} text with an unpaired surrogate`, {
      file,
      offset: 2,
    });
  }
}

/** True when the first bytes alternate NULs with ASCII, as UTF-16 text without a BOM does. */
function looksLikeBareUtf16(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length & ~1, 64);
  if (n < 4) return false;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenNul++;
    if (bytes[i + 1] === 0) oddNul++;
  }
  return evenNul === n / 2 || oddNul === n / 2;
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    let need: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i;
    let code = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      code = (code << 6) | (c & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return i;
    i += need + 1;
  }
  return bytes.length;
}

/** One element of the scanned array, as text, with where it is. */
export interface JsonElement {
  index: number;
  /** JSON path of the element, e.g. `$.objects[12]`. */
  path: string;
  /** Character offset of the element in the text. */
  offset: number;
  text: string;
}

/** Outcome of a scan: the top-level scalar members (type, id, spec_version...) and any structural error. */
export interface JsonScanResult {
  header: Record<string, unknown>;
  error?: CairnError;
  /** True when the document had the array member at all. */
  foundArray: boolean;
}

/**
 * Index of the quote that closes the string opened at `open`, or -1 when it is unterminated. The
 * quotes are found by `indexOf` (strings are most of a bundle's characters): a quote closes the
 * string when an even number of backslashes precedes it (each backslash escapes the next
 * character, so a run of them escapes the quote only when odd).
 */
function stringEnd(text: string, open: number): number {
  let from = open + 1;
  for (;;) {
    const q = text.indexOf('"', from);
    if (q < 0) return -1;
    let b = q - 1;
    while (b > open && text.charCodeAt(b) === 0x5c) b--;
    if ((q - 1 - b) % 2 === 0) return q;
    from = q + 1;
  }
}

const WS = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * Scans `text` (a JSON object with an array member `arrayKey`, or a bare top-level array) and
 * calls `onElement` for every element of that array. Other top-level members are parsed and
 * returned in `header` (when they are no larger than 1 MiB). Never throws for bad input.
 */
export function scanJsonArray(
  text: string,
  arrayKey: string,
  onElement: (el: JsonElement) => void,
  file = '<input>',
): JsonScanResult {
  const result: JsonScanResult = { header: {}, foundArray: false };
  const n = text.length;
  let i = 0;
  const err = (message: string, offset: number, path = '$'): JsonScanResult => {
    result.error = new CairnError('INTEL_BAD_JSON', message, { file, offset, path });
    return result;
  };
  // Skips one JSON value starting at i (any kind), returns the index after it or -1.
  const skipValue = (from: number): number => {
    let j = from;
    let depth = 0;
    for (; j < n; j++) {
      const c = text.charCodeAt(j);
      if (c === 0x22) {
        j = stringEnd(text, j);
        if (j < 0) return -1;
        if (depth === 0) return j + 1;
      } else if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) {
        depth--;
        if (depth === 0) return j + 1;
        if (depth < 0) return -1;
      } else if (depth === 0 && (c === 0x2c || WS(c))) return j;
    }
    return depth === 0 && j > from ? j : -1;
  };
  const skipWs = (): void => {
    while (i < n && WS(text.charCodeAt(i))) i++;
  };
  const scanArray = (basePath: string): boolean => {
    // text[i] === '['
    result.foundArray = true;
    i++;
    let index = 0;
    skipWs();
    if (text.charCodeAt(i) === 0x5d) {
      i++;
      return true;
    }
    for (;;) {
      skipWs();
      const start = i;
      const end = skipValue(start);
      const path = `${basePath}[${index}]`;
      if (end < 0 || end === start) {
        err(`unterminated or malformed element`, start, path);
        return false;
      }
      onElement({ index, path, offset: start, text: text.slice(start, end) });
      index++;
      i = end;
      skipWs();
      const c = text.charCodeAt(i);
      if (c === 0x2c) {
        i++;
        continue;
      }
      if (c === 0x5d) {
        i++;
        return true;
      }
      err(`expected ',' or ']' after element`, i, path);
      return false;
    }
  };

  skipWs();
  if (text.charCodeAt(i) === 0x5b) {
    scanArray('$');
    return result;
  }
  if (text.charCodeAt(i) !== 0x7b) return err('expected a JSON object or array', i);
  i++;
  for (;;) {
    skipWs();
    if (text.charCodeAt(i) === 0x7d) return result;
    if (text.charCodeAt(i) !== 0x22) return err('expected a member name', i);
    const keyEnd = skipValue(i);
    if (keyEnd < 0) return err('unterminated member name', i);
    let key: string;
    try {
      key = JSON.parse(text.slice(i, keyEnd)) as string;
    } catch {
      return err('bad member name', i);
    }
    i = keyEnd;
    skipWs();
    if (text.charCodeAt(i) !== 0x3a) return err("expected ':'", i);
    i++;
    skipWs();
    if (key === arrayKey && text.charCodeAt(i) === 0x5b) {
      if (!scanArray(`$.${arrayKey}`)) return result;
    } else {
      const start = i;
      const end = skipValue(start);
      if (end < 0) return err(`malformed value of member ${JSON.stringify(key)}`, start, `$.${key}`);
      if (end - start <= 1 << 20) {
        try {
          result.header[key] = JSON.parse(text.slice(start, end));
        } catch {
          return err(`malformed value of member ${JSON.stringify(key)}`, start, `$.${key}`);
        }
      }
      i = end;
    }
    skipWs();
    const c = text.charCodeAt(i);
    if (c === 0x2c) {
      i++;
      continue;
    }
    if (c === 0x7d) return result;
    return err("expected ',' or '}'", i);
  }
}
