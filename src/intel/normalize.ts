/**
 * Indicator normalisation and type detection. The normalised value is what matching uses; the
 * exact original is always kept beside it by the importers.
 *
 * Rules (why each exists):
 * - defanged forms (`hxxp`, `[.]`, `(.)`, `[dot]`, `[@]`, `[:]`) are refanged, because reports
 *   publish values defanged and the same C2 must match its live form;
 * - hashes, domains, hostnames, e-mail addresses and URL schemes/hosts are lower-cased (they are
 *   case-insensitive), TLSH and byte patterns upper-cased, ATT&CK ids upper-cased;
 * - a URL without a scheme is read as `http://…`, and an IPv4 `a.b.c.d:port` drops the port;
 * - IP addresses and CIDR prefixes are re-printed canonically by `net` (so `2001:DB8::0001`
 *   matches `2001:db8::1`); a CIDR keeps its length and has host bits cleared;
 * - free-text kinds (filename, mutex, string, yara-rule) are kept exactly, except that filenames
 *   are lower-cased (Windows file names are case-insensitive).
 */
import { tryParseAddress, formatIPv4, formatIPv6 } from '../net/index.js';
import { INDICATOR_TYPES } from './model.js';
import type { IndicatorType } from './model.js';

/** Result of normalising a value: either the value or why it is not one of the type. */
export type Normalized =
  { ok: true; value: string } | { ok: false; code: 'INTEL_EMPTY_VALUE' | 'INTEL_BAD_VALUE'; reason: string };

const HEX = /^[0-9a-fA-F]+$/;
const HASH_LENGTHS: Partial<Record<IndicatorType, number>> = {
  md5: 32,
  sha1: 40,
  sha256: 64,
  sha512: 128,
  imphash: 32,
  'rich-header': 32,
};
// ssdeep: blocksize:hash1:hash2, optionally followed by ,"filename" as the ssdeep tool prints.
const SSDEEP = /^(\d{1,10}):([A-Za-z0-9/+]{0,64}):([A-Za-z0-9/+]{0,64})(,".*")?$/;
const TLSH = /^(T1)?[0-9A-Fa-f]{70}$/;
const TECHNIQUE = /^T\d{4}(\.\d{3})?$/i;
const DOMAIN_LABEL = /^(?!-)[a-z0-9_-]{1,63}$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const MARKUP = /<\s*\/?\s*[a-zA-Z!?][^>]*>|&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);/;

/** True when the string holds C0/C1 control characters (newline and tab included). */
export function hasControlCharacters(value: string): boolean {
  return CONTROL.test(value);
}

/** True when the string holds an HTML/XML tag or an HTML entity. */
export function hasMarkup(value: string): boolean {
  return MARKUP.test(value);
}

/** True when `type` is one of the model's indicator types. */
export function isIndicatorType(type: string): type is IndicatorType {
  return (INDICATOR_TYPES as readonly string[]).includes(type);
}

/** Undoes common defanging: `hxxp`, `[.]`, `(.)`, `{.}`, `[dot]`, `[@]`, `[at]`, `[:]`, `[/]`. */
export function refang(value: string): string {
  if (!/[[({]|hxxp|fxp/i.test(value)) return value;
  return value
    .replace(/^hxxp(s?)(?=:|\[:\])/i, 'http$1')
    .replace(/^fxp(?=:|\[:\])/i, 'ftp')
    .replace(/\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\{dot\}/gi, '.')
    .replace(/\[@\]|\(@\)|\[at\]|\(at\)/gi, '@')
    .replace(/\[:\]/g, ':')
    .replace(/\[\/\]/g, '/');
}

function canonicalIp(text: string): { family: 4 | 6; text: string } | undefined {
  const addr = tryParseAddress(text);
  if (addr === undefined) return undefined;
  return { family: addr.family, text: addr.family === 4 ? formatIPv4(addr.bytes) : formatIPv6(addr.bytes) };
}

function canonicalCidr(text: string): string | undefined {
  const slash = text.indexOf('/');
  if (slash <= 0 || slash !== text.lastIndexOf('/')) return undefined;
  const lenText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lenText)) return undefined;
  const addr = tryParseAddress(text.slice(0, slash));
  if (addr === undefined) return undefined;
  const len = Number(lenText);
  const bits = addr.family === 4 ? 32 : 128;
  if (len > bits) return undefined;
  const bytes = Uint8Array.from(addr.bytes);
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, len - i * 8));
    bytes[i] &= keep === 0 ? 0 : (0xff << (8 - keep)) & 0xff;
  }
  return `${addr.family === 4 ? formatIPv4(bytes) : formatIPv6(bytes)}/${len}`;
}

function normalizeDomain(text: string): string | undefined {
  let d = text.toLowerCase();
  if (d.endsWith('.')) d = d.slice(0, -1);
  if (d.length === 0 || d.length > 253) return undefined;
  const labels = d.split('.');
  for (const l of labels) if (!DOMAIN_LABEL.test(l)) return undefined;
  return d;
}

function normalizeUrl(text: string): string | undefined {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]{0,31}):\/\/([^/?#]*)(.*)$/s.exec(text);
  if (m === null) return undefined;
  const [, scheme, authority, rest] = m;
  if (authority.length === 0) return undefined;
  // Lower-case scheme and host, keep user info, port, path, query and fragment exactly.
  const at = authority.lastIndexOf('@');
  const userinfo = at >= 0 ? authority.slice(0, at + 1) : '';
  const hostPort = authority.slice(at + 1);
  return `${scheme.toLowerCase()}://${userinfo}${hostPort.toLowerCase()}${rest}`;
}

/** Normalises `original` as an indicator of `type`, or says why it is not one. */
export function normalizeIndicator(type: IndicatorType, original: string): Normalized {
  const text = original.trim();
  if (text.length === 0) return { ok: false, code: 'INTEL_EMPTY_VALUE', reason: 'empty value' };
  const bad = (reason: string): Normalized => ({ ok: false, code: 'INTEL_BAD_VALUE', reason });
  const hashLength = HASH_LENGTHS[type];
  if (hashLength !== undefined) {
    if (text.length !== hashLength || !HEX.test(text)) return bad(`not ${hashLength} hex digits`);
    return { ok: true, value: text.toLowerCase() };
  }
  switch (type) {
    case 'ipv4':
    case 'ipv6': {
      // "a.b.c.d:port" (lists write C2 endpoints so): the port is not part of the address.
      const plain = refang(text).replace(/^(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}):\d{1,5}$/, '$1');
      const ip = canonicalIp(plain);
      if (ip === undefined) return bad('not an IP address');
      if ((ip.family === 4) !== (type === 'ipv4')) return bad(`not an ${type} address`);
      return { ok: true, value: ip.text };
    }
    case 'cidr': {
      const c = canonicalCidr(refang(text));
      return c === undefined ? bad('not a CIDR prefix') : { ok: true, value: c };
    }
    case 'domain':
    case 'hostname': {
      const d = normalizeDomain(refang(text));
      return d === undefined ? bad('not a domain name') : { ok: true, value: d };
    }
    case 'url': {
      // A URL listed without its scheme ("host/path") is read as http, the scheme such lists omit.
      const r = refang(text);
      const withScheme = /^[a-zA-Z][a-zA-Z0-9+.-]{0,31}:\/\//.test(r) ? r : `http://${r}`;
      const u = normalizeUrl(withScheme);
      if (u !== undefined && withScheme !== r) {
        const host = /^http:\/\/([^/?#:]*)/.exec(u)?.[1] ?? '';
        if (normalizeDomain(host) === undefined && canonicalIp(host) === undefined)
          return bad('not a URL with scheme and host');
      }
      return u === undefined ? bad('not a URL with scheme and host') : { ok: true, value: u };
    }
    case 'email': {
      const e = refang(text);
      const at = e.lastIndexOf('@');
      if (at <= 0 || CONTROL.test(e) || /\s/.test(e)) return bad('not an e-mail address');
      const domain = normalizeDomain(e.slice(at + 1));
      if (domain === undefined) return bad('e-mail domain is not a domain name');
      return { ok: true, value: `${e.slice(0, at).toLowerCase()}@${domain}` };
    }
    case 'ssdeep':
      return SSDEEP.test(text) ? { ok: true, value: text.replace(/,".*"$/, '') } : bad('not an ssdeep hash');
    case 'tlsh':
      return TLSH.test(text) ? { ok: true, value: text.toUpperCase() } : bad('not a TLSH digest');
    case 'attack-technique':
      return TECHNIQUE.test(text)
        ? { ok: true, value: text.toUpperCase() }
        : bad('not an ATT&CK technique id');
    case 'byte-pattern': {
      const hex = text.replace(/\s+/g, '');
      if (!/^[0-9a-fA-F?]+$/.test(hex) || hex.length % 2 !== 0) return bad('not a hex byte pattern');
      return { ok: true, value: hex.toUpperCase() };
    }
    case 'filename':
      return { ok: true, value: text.toLowerCase() };
    default:
      // mutex, string, yara-rule: exact (only surrounding white space trimmed).
      return { ok: true, value: type === 'yara-rule' ? original : text };
  }
}

/**
 * Guesses the indicator type of a bare value, for lists that carry no type column. Order matters:
 * an all-hex string of 32/40/64/128 digits is read as a hash, before anything else.
 */
export function detectIndicatorType(original: string): IndicatorType {
  const text = refang(original.trim());
  if (HEX.test(text)) {
    if (text.length === 32) return 'md5';
    if (text.length === 40) return 'sha1';
    if (text.length === 64) return 'sha256';
    if (text.length === 128) return 'sha512';
  }
  if (TLSH.test(text) && /^T1/.test(text)) return 'tlsh';
  if (SSDEEP.test(text)) return 'ssdeep';
  if (TECHNIQUE.test(text)) return 'attack-technique';
  if (/^[0-9a-fA-F.:]+$/.test(text)) {
    const ip = canonicalIp(text);
    if (ip !== undefined) return ip.family === 4 ? 'ipv4' : 'ipv6';
  }
  if (/^[0-9a-fA-F.:]+\/\d{1,3}$/.test(text) && canonicalCidr(text) !== undefined) return 'cidr';
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(text) && normalizeUrl(text) !== undefined) return 'url';
  if (/^[^@\s]+@[^@\s]+$/.test(text) && normalizeDomain(text.slice(text.lastIndexOf('@') + 1)))
    return 'email';
  if (/\.[a-zA-Z][a-zA-Z0-9-]{1,62}\.?$/.test(text) && normalizeDomain(text) !== undefined) {
    // "invoice.exe" is a valid-looking domain; common executable/document extensions win.
    if (
      /\.(exe|dll|sys|scr|bat|cmd|ps1|vbs|js|jar|doc|docx|xls|xlsx|ppt|pdf|rtf|zip|rar|lnk|hta|tmp|dat|bin|ocx|drv|inf|ini|log|txt)$/i.test(
        text,
      )
    )
      return 'filename';
    return 'domain';
  }
  if (/^[^<>:"|?*\r\n]*\.[A-Za-z0-9]{1,8}$/.test(text) && /[\\/]|^[^\s/\\]+$/.test(text)) return 'filename';
  return 'string';
}
