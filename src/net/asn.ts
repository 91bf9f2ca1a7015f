/** Autonomous system numbers: asplain, asdot and "AS"-prefixed text (RFC 5396). */
import { CairnError, ParseError } from '../errors/index.js';
import { quoteInput } from './quote.js';

const MAX_ASN = 0xffffffff;
/** "AS" + 5 digits + "." + 5 digits is the longest valid form. */
const MAX_ASN_TEXT = 13;

function badAsn(text: unknown, reason: string): ParseError {
  return new ParseError('NET_BAD_ASN', `not an AS number: ${quoteInput(text)}: ${reason}`, { field: 'asn' });
}

/** Decimal digits of `text[start, end)` as a number, or -1 if empty or not all digits. */
function digits(text: string, start: number, end: number): number {
  if (start === end) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return -1;
    value = value * 10 + c;
  }
  return value;
}

/**
 * Parses `131279`, `AS131279` (any case of "AS") or asdot `2.1999` (= 2 * 65536 + 1999) into a
 * number in 0..4294967295. Throws ParseError `NET_BAD_ASN`. No sign, spaces or other text.
 */
export function parseAsn(text: string): number {
  if (typeof text !== 'string') throw badAsn(text, 'not a string');
  if (text.length === 0) throw badAsn(text, 'empty');
  if (text.length > MAX_ASN_TEXT) throw badAsn(text, `too long (${text.length} characters)`);
  let start = 0;
  if ((text.charCodeAt(0) | 0x20) === 0x61 && (text.charCodeAt(1) | 0x20) === 0x73) start = 2; // "as"
  const dot = text.indexOf('.', start);
  if (dot === -1) {
    if (text.length - start > 10) throw badAsn(text, 'more than 10 digits');
    const value = digits(text, start, text.length);
    if (value < 0) throw badAsn(text, 'expected decimal digits, optionally after "AS"');
    if (value > MAX_ASN) throw badAsn(text, `${value} is above ${MAX_ASN}`);
    return value;
  }
  if (dot - start > 5 || text.length - dot - 1 > 5)
    throw badAsn(text, 'an asdot half has more than 5 digits');
  const high = digits(text, start, dot);
  const low = digits(text, dot + 1, text.length);
  if (high < 0 || low < 0) throw badAsn(text, 'asdot form is two decimal numbers joined by one dot');
  if (high > 0xffff || low > 0xffff) throw badAsn(text, 'an asdot half is above 65535');
  return high * 65536 + low;
}

/** Plain decimal (asplain), as bgpdump prints. Throws `NET_BAD_ASN` for a non-ASN number. */
export function formatAsn(asn: number): string {
  if (!(Number.isInteger(asn) && asn >= 0 && asn <= MAX_ASN)) {
    throw new CairnError('NET_BAD_ASN', `${String(asn)} is not an AS number (0..${MAX_ASN})`, {
      field: 'asn',
    });
  }
  return String(asn);
}
