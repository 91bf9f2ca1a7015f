/**
 * The collector's configuration file: JSON, validated with zod. Unknown keys are rejected (a
 * typo must not silently fall back to a default), and the defaults are the safe ones: listen on
 * 127.0.0.1 only, accept only the listed peers.
 */
import { z } from 'zod';
import { CairnError } from '../../errors/index.js';
import { formatAddress, tryParseAddress, unmapIPv4 } from '../../net/index.js';

const address = z.string().refine((text) => tryParseAddress(text) !== undefined, 'not an IP address');
const ipv4 = z.string().refine((text) => tryParseAddress(text)?.family === 4, 'not an IPv4 address');
const asn = z.number().int().min(1).max(0xffffffff);

const peerSchema = z.strictObject({
  /** The peer's address as the collector sees it on the TCP connection. */
  address,
  asn,
  description: z.string().max(200).optional(),
  /** Ask the peer to send ADD-PATH path identifiers (RFC 7911) for IPv4 and IPv6 unicast. */
  addPath: z.boolean().default(false),
});

export const collectorConfigSchema = z.strictObject({
  listenAddress: address.default('127.0.0.1'),
  listenPort: z.number().int().min(0).max(65535).default(1179),
  localAsn: asn,
  bgpId: ipv4.refine((text) => text !== '0.0.0.0', 'BGP identifier 0.0.0.0'),
  /** Hold time offered in our OPEN (RFC 4271 4.2): 0 or 3..65535 seconds. */
  holdTime: z
    .number()
    .int()
    .min(0)
    .max(65535)
    .refine((n) => n === 0 || n >= 3, 'hold time must be 0 or at least 3')
    .default(90),
  peers: z.array(peerSchema).min(1).max(10000),
  outputDirectory: z.string().min(1),
  rotationMinutes: z.number().int().min(1).max(1440).default(5),
  /**
   * Seconds between flushes of the open MRT file: each ends a complete gzip member on disk, so a
   * crash loses at most this much of the archive. Shorter costs more members (a little more size).
   */
  flushSeconds: z.number().min(0.01).max(3600).default(1),
  webhookUrl: z.url({ protocol: /^https?$/ }).optional(),
  /**
   * Seconds a connection may take to send a complete OPEN (RFC 4271 suggests 4 minutes), counted
   * from the connection, not from the last byte: a peer dripping bytes does not extend it.
   */
  openTimeout: z.number().positive().max(3600).default(240),
  /**
   * New connections accepted per source address: a bucket of `connectionBurst` refilled at
   * `connectionsPerSecond`; a connection beyond it is dropped unanswered (configured peers too, so
   * a flapping or spoofing source cannot keep the collector busy).
   */
  connectionBurst: z.number().int().min(1).max(10000).default(10),
  connectionsPerSecond: z.number().positive().max(10000).default(1),
  /** Log lines about refused and dropped connections per 10 s; the rest are counted in one summary line. */
  connectionLogLines: z.number().int().min(0).max(10000).default(10),
  /** Announce RFC 8654 extended messages (UPDATEs up to 65535 bytes). */
  extendedMessages: z.boolean().default(true),
  /** Gzip level of the MRT files (1 fastest .. 9 smallest). */
  gzipLevel: z.number().int().min(1).max(9).default(6),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** A peer as configured. */
export type CollectorPeerConfig = z.output<typeof peerSchema>;
/** The whole configuration, defaults filled in. */
export type CollectorConfig = z.output<typeof collectorConfigSchema>;
/** What a configuration file may contain (defaults optional). */
export type CollectorConfigInput = z.input<typeof collectorConfigSchema>;

function zodPath(path: readonly PropertyKey[]): string {
  return '$' + path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
}

/**
 * Validates a parsed configuration; throws a CairnError `COLLECTOR_BAD_CONFIG` with the JSON
 * path of the first problem. `source` names the file in the error.
 */
export function parseCollectorConfig(value: unknown, source?: string): CollectorConfig {
  const result = collectorConfigSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = zodPath(issue.path);
    throw new CairnError('COLLECTOR_BAD_CONFIG', `${path}: ${issue.message}`, {
      ...(source !== undefined ? { file: source } : {}),
      path,
    });
  }
  const config = result.data;
  const seen = new Set<string>();
  config.peers.forEach((peer, i) => {
    const key = canonicalAddress(peer.address);
    if (seen.has(key)) {
      throw new CairnError('COLLECTOR_BAD_CONFIG', `peer ${peer.address} is listed twice`, {
        ...(source !== undefined ? { file: source } : {}),
        path: `$.peers[${i}].address`,
      });
    }
    seen.add(key);
  });
  return config;
}

/** Parses the text of a configuration file (JSON). */
export function parseCollectorConfigText(text: string, source?: string): CollectorConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CairnError('COLLECTOR_BAD_CONFIG', `not JSON: ${(error as Error).message}`, {
      ...(source !== undefined ? { file: source } : {}),
    });
  }
  return parseCollectorConfig(value, source);
}

/** The canonical text of an address, IPv4-mapped IPv6 turned into IPv4 (as sockets report them). */
export function canonicalAddress(text: string): string {
  const parsed = tryParseAddress(text);
  if (parsed === undefined) return text;
  return formatAddress(unmapIPv4(parsed));
}
