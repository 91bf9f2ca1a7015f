/**
 * AS path text exactly as bgpdump 1.6.2 prints it: sequences space-separated, `{a,b}` sets,
 * `(a b)` confederation sequences, `[a,b]` confederation sets; for 2-byte messages merged with
 * AS4_PATH the way bgpdump does (which counts confederation segments, unlike RFC 6793);
 * "! Error !" for a malformed path; cut with "..." past about 7,900 characters. The RFC reading
 * of the same attributes is `PathAttributes.asPath()` and `formatAsPath` (bgp).
 */
import { AS_TRANS, AttrType, SegmentType, readU16, readU32, type PathAttributes } from '../bgp/index.js';

/** Longest AS path text bgpdump builds before it cuts the path with "...". */
const BGPDUMP_ASPATH_LIMIT = 8000 - 100;

/** The AS_PATH of the attributes last decoded into `a`, as bgpdump prints it ('' without one). */
export function bgpdumpAsPathText(a: PathAttributes): string {
  if (a.asPathStart < 0) return '';
  return bgpdumpMergedPath(a) ?? formatSegmentsBgpdump(a.buf, a.asPathStart, a.asPathEnd, a.asnLength);
}

function bgpdumpMergedPath(a: PathAttributes): string | undefined {
  if (a.asnLength !== 2 || a.as4PathStart < 0) return undefined;
  // As RFC 6793 4.2.3 says (and bgpdump does): AGGREGATOR other than AS_TRANS beside
  // AS4_AGGREGATOR means AS4_PATH is ignored.
  if (a.has(AttrType.AGGREGATOR) && a.has(AttrType.AS4_AGGREGATOR) && a.aggregatorAsn !== AS_TRANS) {
    return undefined;
  }
  const buf = a.buf;
  const pathCount = bgpdumpCount(buf, a.asPathStart, a.asPathEnd, 2);
  const as4Count = bgpdumpCount(buf, a.as4PathStart, a.as4PathEnd, 4);
  if (pathCount < 0 || pathCount < as4Count) return undefined;
  // Rebuild a 4-byte path: leading segments of AS_PATH widened, then AS4_PATH's bytes.
  const keep = pathCount - (as4Count < 0 ? 0 : as4Count);
  const parts: number[] = [];
  let count = 0;
  let p = a.asPathStart;
  while (count < keep && p + 2 <= a.asPathEnd) {
    const type = buf[p];
    let length = buf[p + 1];
    const data = p + 2;
    p = data + length * 2;
    if (type === SegmentType.AS_SET || type === SegmentType.AS_CONFED_SET) count += 1;
    else {
      count += length;
      if (count > keep) {
        length -= count - keep;
        count = keep;
      }
    }
    parts.push(type, length);
    for (let i = 0; i < length; i++) parts.push(readU16(buf, data + 2 * i));
  }
  const widened = new Uint8Array(parts.length * 4 + (a.as4PathEnd - a.as4PathStart));
  let w = 0;
  for (let i = 0; i < parts.length;) {
    const type = parts[i++];
    const length = parts[i++];
    widened[w++] = type;
    widened[w++] = length;
    for (let j = 0; j < length; j++) {
      const asn = parts[i++];
      widened[w++] = 0;
      widened[w++] = 0;
      widened[w++] = asn >>> 8;
      widened[w++] = asn & 0xff;
    }
  }
  widened.set(buf.subarray(a.as4PathStart, a.as4PathEnd), w);
  w += a.as4PathEnd - a.as4PathStart;
  return formatSegmentsBgpdump(widened, 0, w, 4);
}

/** bgpdump's path length: sequences and confed sequences count their ASes, sets count one. -1 if malformed. */
function bgpdumpCount(buf: Uint8Array, start: number, end: number, asnLength: number): number {
  let n = 0;
  let p = start;
  while (p < end) {
    if (p + 2 > end) return -1;
    const type = buf[p];
    const length = buf[p + 1];
    if (type < 1 || type > 4) return -1;
    p += 2 + length * asnLength;
    if (p > end) return -1;
    n += type === SegmentType.AS_SET || type === SegmentType.AS_CONFED_SET ? 1 : length;
  }
  return n;
}

const OPEN_DELIMITER: Record<number, string> = { 1: '{', 3: '(', 4: '[' };
const CLOSE_DELIMITER: Record<number, string> = { 1: '}', 3: ')', 4: ']' };

function formatSegmentsBgpdump(buf: Uint8Array, start: number, end: number, asnLength: number): string {
  let text = '';
  let previousType = SegmentType.AS_SEQUENCE as number;
  let space = false;
  let p = start;
  let lastType = -1;
  while (p < end) {
    const type = buf[p];
    const length = p + 1 < end ? buf[p + 1] : 0;
    if (type < 1 || type > 4 || p + 2 + length * asnLength > end) return '! Error !';
    if (previousType !== SegmentType.AS_SEQUENCE) text += CLOSE_DELIMITER[previousType] ?? ' ';
    if (space) text += ' ';
    if (type !== SegmentType.AS_SEQUENCE) text += OPEN_DELIMITER[type];
    space = false;
    const separator = type === SegmentType.AS_SET || type === SegmentType.AS_CONFED_SET ? ',' : ' ';
    const data = p + 2;
    for (let i = 0; i < length; i++) {
      if (space) text += separator;
      else space = true;
      text += asnLength === 2 ? readU16(buf, data + 2 * i) : readU32(buf, data + 4 * i);
      if (text.length > BGPDUMP_ASPATH_LIMIT) return text + '...';
    }
    previousType = type;
    lastType = type;
    p = data + length * asnLength;
  }
  if (lastType !== -1 && lastType !== SegmentType.AS_SEQUENCE) text += CLOSE_DELIMITER[lastType];
  return text;
}
