/**
 * What each MISP attribute type becomes (draft-dulaunoy-misp-core-format, Attribute: type). The
 * README table is generated from these two tables and checked against them by a test.
 */
import type { IndicatorType } from '../model.js';

/** One part of a (possibly composite) type: an indicator type, `ip` (v4 or v6 by value) or a port kept as context. */
export type MispPart = IndicatorType | 'ip' | 'port' | 'context';

/** Attribute types that become indicators: one entry per `|`-separated part. */
export const MISP_INDICATOR_TYPES: Readonly<Record<string, readonly MispPart[]>> = {
  'ip-dst': ['ip'],
  'ip-src': ['ip'],
  'ip-dst|port': ['ip', 'port'],
  'ip-src|port': ['ip', 'port'],
  domain: ['domain'],
  'domain|ip': ['domain', 'ip'],
  hostname: ['hostname'],
  'hostname|port': ['hostname', 'port'],
  url: ['url'],
  email: ['email'],
  'email-src': ['email'],
  'email-dst': ['email'],
  'email-reply-to': ['email'],
  'whois-registrant-email': ['email'],
  md5: ['md5'],
  sha1: ['sha1'],
  sha256: ['sha256'],
  sha512: ['sha512'],
  ssdeep: ['ssdeep'],
  tlsh: ['tlsh'],
  imphash: ['imphash'],
  filename: ['filename'],
  'filename|md5': ['filename', 'md5'],
  'filename|sha1': ['filename', 'sha1'],
  'filename|sha256': ['filename', 'sha256'],
  'filename|sha512': ['filename', 'sha512'],
  'filename|ssdeep': ['filename', 'ssdeep'],
  'filename|imphash': ['filename', 'imphash'],
  'filename|tlsh': ['filename', 'tlsh'],
  mutex: ['mutex'],
  yara: ['yara-rule'],
  regkey: ['string'],
  'regkey|value': ['string', 'context'],
  'named pipe': ['string'],
  'pattern-in-file': ['string'],
  'pattern-in-memory': ['string'],
  'pattern-in-traffic': ['string'],
  'email-subject': ['string'],
  'user-agent': ['string'],
  uri: ['string'],
};

/**
 * Attribute types MISP defines that are context rather than indicators: kept on the case as
 * context (`text` and `comment` first among them), never matched.
 */
export const MISP_CONTEXT_TYPES: ReadonlySet<string> = new Set([
  'text',
  'comment',
  'other',
  'port',
  'datetime',
  'counter',
  'size-in-bytes',
  'float',
  'boolean',
  'AS',
  'attachment',
  'malware-sample',
  'whois-registrant-name',
  'whois-registrant-org',
  'whois-registrant-phone',
  'whois-registrar',
  'whois-creation-date',
  'x509-fingerprint-sha1',
  'x509-fingerprint-sha256',
  'x509-fingerprint-md5',
  'vulnerability',
  'weakness',
  'target-org',
  'target-location',
  'target-user',
  'target-machine',
  'target-email',
  'target-external',
  'threat-actor',
  'campaign-name',
  'campaign-id',
  'email-body',
  'email-header',
  'email-attachment',
  'email-x-mailer',
  'email-message-id',
  'mime-type',
  'cpe',
  'hex',
  'github-repository',
  'github-username',
  'anonymised',
  'phone-number',
  'process-state',
  'windows-service-name',
  'windows-service-displayname',
  'windows-scheduled-task',
  'pdb',
  'snort',
  'sigma',
  'stix2-pattern',
  'http-method',
  'ja3-fingerprint-md5',
  'jarm-fingerprint',
  'hassh-md5',
  'hasshserver-md5',
  'mac-address',
  'btc',
  'xmr',
  'cookie',
]);

/** The `link` type: a source of the case (a report with the URL). */
export const MISP_LINK_TYPE = 'link';

/** What becomes of a type, in words (the README table). */
export function describeMispType(type: string): string {
  if (type === MISP_LINK_TYPE) return 'report (a source of the case, with its URL)';
  const parts = MISP_INDICATOR_TYPES[type];
  if (parts !== undefined)
    return parts
      .map((p) =>
        p === 'ip'
          ? 'ipv4/ipv6'
          : p === 'port'
            ? 'port (context of the observation)'
            : p === 'context'
              ? 'data (context of the observation)'
              : p,
      )
      .join(' + ');
  return MISP_CONTEXT_TYPES.has(type) ? 'context of the case' : 'unknown: context of the case, counted';
}

/**
 * The MISP type cairn writes for an indicator on export (the inverse of the table above; types
 * without a MISP equivalent become `text`).
 */
export const EXPORT_TYPES: Readonly<Record<IndicatorType, string>> = {
  ipv4: 'ip-dst',
  ipv6: 'ip-dst',
  cidr: 'ip-dst',
  domain: 'domain',
  hostname: 'hostname',
  url: 'url',
  email: 'email',
  md5: 'md5',
  sha1: 'sha1',
  sha256: 'sha256',
  sha512: 'sha512',
  ssdeep: 'ssdeep',
  tlsh: 'tlsh',
  imphash: 'imphash',
  'rich-header': 'text',
  filename: 'filename',
  mutex: 'mutex',
  string: 'text',
  'yara-rule': 'yara',
  'byte-pattern': 'pattern-in-file',
  'attack-technique': 'text',
};
