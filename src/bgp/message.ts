/**
 * Whole BGP messages (RFC 4271 section 4): header, OPEN with capabilities, UPDATE, KEEPALIVE,
 * NOTIFICATION and ROUTE-REFRESH, decoded into plain objects and encoded from them.
 *
 * Decoding checks what RFC 4271 section 6 asks a speaker to check and throws a
 * `BgpMessageError` (a CairnError with the byte offset) that carries the NOTIFICATION a speaker
 * would send. Problems inside an UPDATE body do not throw: they are reported with the RFC 7606
 * action (attribute-discard, treat-as-withdraw, session-reset) and the UPDATE's overall outcome,
 * so that an archive reader can go on and a live session can decide what to do.
 *
 * This is the allocation-friendly but not allocation-free path (one object per message): the
 * hot MRT scan uses `PathAttributes` directly; this codec is for sessions, tests and tools.
 */
import { CairnError, type BgpErrorCode, type ErrorLocation } from '../errors/index.js';
import { formatIPv4, formatIPv6, parseAddress, parsePrefix } from '../net/index.js';
import {
  PathAttributes,
  parseSegments,
  readU16,
  readU32,
  type AsPathSegment,
  type AttributeProblem,
  type Origin,
  type RawAttribute,
} from './attributes.js';
import {
  AS_TRANS,
  Afi,
  AttrFlag,
  AttrType,
  BGP_HEADER_LENGTH,
  BGP_MARKER_LENGTH,
  BGP_MAX_EXTENDED_MESSAGE_LENGTH,
  BGP_MAX_MESSAGE_LENGTH,
  BgpMessageType,
  CapabilityCode,
  NotificationCode,
  Safi,
  SegmentType,
} from './constants.js';
import {
  NlriProblem,
  RouteKind,
  UpdateFraming,
  walkNlri,
  walkUpdate,
  type NlriSink,
  type UpdateVisitor,
} from './update.js';

// ----- constants -----

const MIN_LENGTH: Record<number, number> = {
  [BgpMessageType.OPEN]: 29,
  [BgpMessageType.UPDATE]: 23,
  [BgpMessageType.NOTIFICATION]: 21,
  [BgpMessageType.KEEPALIVE]: 19,
  [BgpMessageType.ROUTE_REFRESH]: 23,
};

const NOTIFICATION_NAMES: Record<number, string> = {
  1: 'Message Header Error',
  2: 'OPEN Message Error',
  3: 'UPDATE Message Error',
  4: 'Hold Timer Expired',
  5: 'Finite State Machine Error',
  6: 'Cease',
  7: 'ROUTE-REFRESH Message Error',
};

const SUBCODE_NAMES: Record<number, Record<number, string>> = {
  1: { 1: 'Connection Not Synchronized', 2: 'Bad Message Length', 3: 'Bad Message Type' },
  2: {
    1: 'Unsupported Version Number',
    2: 'Bad Peer AS',
    3: 'Bad BGP Identifier',
    4: 'Unsupported Optional Parameter',
    5: 'Authentication Failure (deprecated)',
    6: 'Unacceptable Hold Time',
    7: 'Unsupported Capability',
  },
  3: {
    1: 'Malformed Attribute List',
    2: 'Unrecognized Well-known Attribute',
    3: 'Missing Well-known Attribute',
    4: 'Attribute Flags Error',
    5: 'Attribute Length Error',
    6: 'Invalid ORIGIN Attribute',
    7: 'AS Routing Loop (deprecated)',
    8: 'Invalid NEXT_HOP Attribute',
    9: 'Optional Attribute Error',
    10: 'Invalid Network Field',
    11: 'Malformed AS_PATH',
  },
  5: {
    1: 'Receive Unexpected Message in OpenSent State',
    2: 'Receive Unexpected Message in OpenConfirm State',
    3: 'Receive Unexpected Message in Established State',
  },
  // RFC 4486, RFC 8538 (Hard Reset), RFC 9384 (BFD Down).
  6: {
    1: 'Maximum Number of Prefixes Reached',
    2: 'Administrative Shutdown',
    3: 'Peer De-configured',
    4: 'Administrative Reset',
    5: 'Connection Rejected',
    6: 'Other Configuration Change',
    7: 'Connection Collision Resolution',
    8: 'Out of Resources',
    9: 'Hard Reset',
    10: 'BFD Down',
  },
  7: { 1: 'Invalid Message Length' },
};

/** Name of a NOTIFICATION error code, or `code N` when unassigned. */
export function notificationCodeName(code: number): string {
  return NOTIFICATION_NAMES[code] ?? `code ${code}`;
}

/** Name of a NOTIFICATION subcode under its code ('Unspecific' for 0), or `subcode N`. */
export function notificationSubcodeName(code: number, subcode: number): string {
  if (subcode === 0) return 'Unspecific';
  return SUBCODE_NAMES[code]?.[subcode] ?? `subcode ${subcode}`;
}

// ----- types -----

/** The NOTIFICATION a speaker sends about an error (RFC 4271 6). */
export interface NotificationSpec {
  code: number;
  subcode: number;
  data?: Uint8Array;
}

/** A message that breaks RFC 4271: the offset of the bad field and the NOTIFICATION to send. */
export class BgpMessageError extends CairnError<BgpErrorCode> {
  readonly notification: Required<NotificationSpec>;

  constructor(code: BgpErrorCode, message: string, location: ErrorLocation, notification: NotificationSpec) {
    super(code, message, location);
    this.name = 'BgpMessageError';
    this.notification = {
      code: notification.code,
      subcode: notification.subcode,
      data: notification.data ?? new Uint8Array(0),
    };
  }
}

/** AFI/SAFI pairs, as ADD-PATH negotiation gives them. */
export interface AfiSafi {
  afi: number;
  safi: number;
}

/**
 * What the session negotiated, which changes how messages are read and written: 4-byte ASNs in
 * AS_PATH and AGGREGATOR (RFC 6793), path identifiers before NLRI per AFI/SAFI (RFC 7911) and
 * messages up to 65535 bytes (RFC 8654). MRT BGP4MP records state the first two in their subtype.
 */
export interface SessionOptions {
  /** Default true (every BGP4MP *_AS4 record and every modern session). */
  asn4?: boolean;
  /** true: every family carries path ids; a list: only those families. Default false. */
  addPath?: boolean | readonly AfiSafi[];
  extendedMessages?: boolean;
}

export interface DecodeOptions extends SessionOptions {
  /** Source label and the offset of `buf[0]` in it, for error locations. */
  file?: string;
  baseOffset?: number;
}

export interface BgpHeader {
  length: number;
  type: number;
}

/** One prefix of an NLRI field, canonical text (bits past the length cleared). */
export interface NlriPrefix {
  prefix: string;
  /** ADD-PATH path identifier (RFC 7911), present only when ADD-PATH is on for the family. */
  pathId?: number;
}

/** The prefixes of one AFI/SAFI, from the classic fields or MP_REACH/MP_UNREACH. */
export interface FamilyPrefixes {
  afi: number;
  safi: number;
  prefixes: NlriPrefix[];
  /**
   * True for IPv4 unicast carried in MP_REACH/MP_UNREACH rather than in the classic fields (the
   * only case where the family alone does not say where the prefixes go).
   */
  mp?: boolean;
  /** NLRI of a family this codec does not parse (VPN, labelled, flowspec...), as sent. */
  unparsed?: Uint8Array;
}

/** Path attributes as plain values. Absent fields were not in the UPDATE (or were discarded). */
export interface UpdateAttributes {
  origin?: Origin;
  /** AS path; on 2-byte sessions merged with AS4_PATH as RFC 6793 4.2.3 says. */
  asPath?: AsPathSegment[];
  nextHop?: string;
  med?: number;
  localPref?: number;
  atomicAggregate?: boolean;
  aggregator?: { asn: number; address: string };
  /** RFC 1997, "asn:value". */
  communities?: string[];
  /** RFC 4360, 16 hex digits each. */
  extendedCommunities?: string[];
  /** RFC 8092, "global:local1:local2". */
  largeCommunities?: string[];
  originatorId?: string;
  clusterList?: string[];
  /** MP_REACH_NLRI next hop (RFC 4760); IPv6 next hops may have a link-local second address. */
  mpReach?: { afi: number; safi: number; nextHop?: string; linkLocalNextHop?: string };
  /** Attributes this codec does not interpret, with their flags. */
  unknown?: RawAttribute[];
}

export type UpdateOutcome = 'ok' | 'attribute-discard' | 'treat-as-withdraw' | 'session-reset';

/** A problem in an UPDATE body and what RFC 7606 makes of it. */
export interface UpdateProblem {
  code: BgpErrorCode;
  message: string;
  /** Offset of the bad field (baseOffset + index in the buffer). */
  offset: number;
  /** Attribute type, when the problem is in one attribute. */
  attributeType?: number;
  action: Exclude<UpdateOutcome, 'ok'>;
  /** The NOTIFICATION RFC 4271 6.3 names for it (sent only when the action is session-reset). */
  notification: { code: number; subcode: number };
}

export interface BgpOpen {
  type: 'open';
  length: number;
  version: number;
  /** The 2-byte "My Autonomous System" field (AS_TRANS for 4-byte ASNs). */
  myAsn: number;
  /** The speaker's ASN: the 4-octet AS capability's when present, else myAsn. */
  asn: number;
  holdTime: number;
  bgpId: string;
  capabilities: Capability[];
  /** Optional parameters other than capabilities (type 2), kept raw. */
  parameters: { type: number; value: Uint8Array }[];
  /** RFC 9072 extended optional parameters length was used. */
  extendedParameters: boolean;
}

export type Capability =
  | { kind: 'multiprotocol'; code: 1; afi: number; safi: number }
  | { kind: 'route-refresh'; code: 2 }
  | { kind: 'extended-message'; code: 6 }
  | { kind: 'graceful-restart'; code: 64; value: Uint8Array }
  | { kind: 'four-octet-as'; code: 65; asn: number }
  | { kind: 'add-path'; code: 69; families: AddPathFamily[] }
  | { kind: 'enhanced-route-refresh'; code: 70 }
  | { kind: 'unknown'; code: number; value: Uint8Array };

export interface AddPathFamily extends AfiSafi {
  receive: boolean;
  send: boolean;
}

export interface BgpUpdate {
  type: 'update';
  length: number;
  /** Withdrawals: IPv4 unicast from the classic field first, then MP_UNREACH_NLRI. */
  withdrawn: FamilyPrefixes[];
  /** Announcements: IPv4 unicast NLRI first, then MP_REACH_NLRI. */
  announced: FamilyPrefixes[];
  attributes: UpdateAttributes;
  /** The most severe RFC 7606 action among the problems ('ok' when there are none). */
  outcome: UpdateOutcome;
  problems: UpdateProblem[];
}

export interface BgpNotification {
  type: 'notification';
  length: number;
  code: number;
  subcode: number;
  codeName: string;
  subcodeName: string;
  data: Uint8Array;
  /** RFC 9003 shutdown communication of a Cease / Administrative Shutdown or Reset. */
  shutdownCommunication?: string;
}

export interface BgpKeepalive {
  type: 'keepalive';
  length: number;
}

export interface BgpRouteRefresh {
  type: 'route-refresh';
  length: number;
  afi: number;
  safi: number;
  /** RFC 7313: 0 normal request, 1 Beginning of Route Refresh, 2 End of Route Refresh. */
  subtype: number;
}

export type BgpMessage = BgpOpen | BgpUpdate | BgpNotification | BgpKeepalive | BgpRouteRefresh;

// ----- decoding -----

function fail(
  code: BgpErrorCode,
  message: string,
  at: number,
  options: DecodeOptions,
  notification: NotificationSpec,
  field?: string,
): never {
  const location: ErrorLocation = { offset: (options.baseOffset ?? 0) + at };
  if (options.file !== undefined) location.file = options.file;
  if (field !== undefined) location.field = field;
  throw new BgpMessageError(code, message, location, notification);
}

function u16Bytes(value: number): Uint8Array {
  return Uint8Array.of((value >>> 8) & 0xff, value & 0xff);
}

/**
 * Reads and checks the 19-byte header at `buf[offset]` (RFC 4271 6.1). Returns undefined when
 * fewer than 19 bytes are available (a stream reader waits for more), else the message length
 * and type; throws BgpMessageError for a bad marker, length or type.
 */
export function readBgpHeader(
  buf: Uint8Array,
  offset = 0,
  options: DecodeOptions = {},
): BgpHeader | undefined {
  if (buf.length - offset < BGP_HEADER_LENGTH) return undefined;
  for (let i = 0; i < BGP_MARKER_LENGTH; i++) {
    if (buf[offset + i] !== 0xff) {
      fail('BGP_BAD_MARKER', 'BGP message marker is not all ones', offset + i, options, {
        code: 1,
        subcode: 1,
      });
    }
  }
  const length = readU16(buf, offset + 16);
  const type = buf[offset + 18];
  const max = options.extendedMessages ? BGP_MAX_EXTENDED_MESSAGE_LENGTH : BGP_MAX_MESSAGE_LENGTH;
  const min = MIN_LENGTH[type];
  if (min === undefined) {
    fail('BGP_BAD_TYPE', `BGP message type ${type} is not defined`, offset + 18, options, {
      code: 1,
      subcode: 3,
      data: Uint8Array.of(type),
    });
  }
  // RFC 8654: KEEPALIVE, OPEN and NOTIFICATION stay within 4096 bytes even on extended sessions.
  const typeMax =
    type === BgpMessageType.UPDATE || type === BgpMessageType.ROUTE_REFRESH ? max : BGP_MAX_MESSAGE_LENGTH;
  const badLength =
    length < min || length > typeMax || (type === BgpMessageType.KEEPALIVE && length !== BGP_HEADER_LENGTH);
  if (badLength) {
    fail(
      'BGP_BAD_LENGTH',
      `BGP message length ${length} is invalid for type ${type} (${min}..${typeMax})`,
      offset + 16,
      options,
      { code: 1, subcode: 2, data: u16Bytes(length) },
    );
  }
  return { length, type };
}

/**
 * Decodes the whole message at `buf[offset]`. Throws BgpMessageError for header errors, OPEN
 * errors and messages cut short by the end of `buf`; UPDATE body problems are reported in the
 * result instead (RFC 7606).
 */
export function decodeBgpMessage(buf: Uint8Array, offset = 0, options: DecodeOptions = {}): BgpMessage {
  const header = readBgpHeader(buf, offset, options);
  if (header === undefined) {
    fail(
      'BGP_TRUNCATED_MESSAGE',
      `BGP header needs 19 bytes, ${Math.max(0, buf.length - offset)} remain`,
      offset,
      options,
      { code: 1, subcode: 2 },
    );
  }
  const end = offset + header.length;
  if (end > buf.length) {
    fail(
      'BGP_TRUNCATED_MESSAGE',
      `BGP message of ${header.length} bytes, ${buf.length - offset} remain`,
      offset + 16,
      options,
      { code: 1, subcode: 2, data: u16Bytes(header.length) },
    );
  }
  const body = offset + BGP_HEADER_LENGTH;
  switch (header.type) {
    case BgpMessageType.OPEN:
      return decodeOpenBody(buf, body, end, options);
    case BgpMessageType.UPDATE:
      return decodeUpdateBody(buf, body, end, options);
    case BgpMessageType.NOTIFICATION:
      return decodeNotificationBody(buf, body, end);
    case BgpMessageType.KEEPALIVE:
      return { type: 'keepalive', length: header.length };
    default:
      return decodeRouteRefreshBody(buf, body, end, options);
  }
}

function decodeOpenBody(buf: Uint8Array, p: number, end: number, options: DecodeOptions): BgpOpen {
  const length = end - p + BGP_HEADER_LENGTH;
  const version = buf[p];
  if (version !== 4) {
    fail('BGP_BAD_OPEN', `BGP version ${version} is not supported`, p, options, {
      code: 2,
      subcode: 1,
      data: u16Bytes(4),
    });
  }
  const myAsn = readU16(buf, p + 1);
  const holdTime = readU16(buf, p + 3);
  if (holdTime === 1 || holdTime === 2) {
    fail('BGP_BAD_OPEN', `hold time ${holdTime} is below 3 seconds`, p + 3, options, {
      code: 2,
      subcode: 6,
    });
  }
  const bgpIdValue = readU32(buf, p + 5);
  if (bgpIdValue === 0) {
    fail('BGP_BAD_OPEN', 'BGP identifier 0.0.0.0', p + 5, options, { code: 2, subcode: 3 });
  }
  const bgpId = formatIPv4(buf, p + 5);
  let paramsLength = buf[p + 9];
  let q = p + 10;
  let extendedParameters = false;
  // RFC 9072: a length of 255 followed by a first parameter type of 255 announces the extended
  // form: a 2-byte length, and 2-byte parameter lengths.
  if (paramsLength === 255 && q < end && buf[q] === 255) {
    if (q + 3 > end) {
      fail('BGP_BAD_OPEN', 'extended optional parameters length runs past the message', q, options, {
        code: 2,
        subcode: 0,
      });
    }
    extendedParameters = true;
    paramsLength = readU16(buf, q + 1);
    q += 3;
  }
  if (q + paramsLength !== end) {
    fail(
      'BGP_BAD_OPEN',
      `optional parameters length ${paramsLength} does not match the message (${end - q} bytes)`,
      q - (extendedParameters ? 2 : 1),
      options,
      { code: 1, subcode: 2, data: u16Bytes(length) },
    );
  }
  const capabilities: Capability[] = [];
  const parameters: { type: number; value: Uint8Array }[] = [];
  const headerSize = extendedParameters ? 3 : 2;
  while (q < end) {
    if (q + headerSize > end) {
      fail('BGP_BAD_OPEN', 'optional parameter header runs past the message', q, options, {
        code: 2,
        subcode: 0,
      });
    }
    const type = buf[q];
    const valueLength = extendedParameters ? readU16(buf, q + 1) : buf[q + 1];
    const valueStart = q + headerSize;
    const valueEnd = valueStart + valueLength;
    if (valueEnd > end) {
      fail(
        'BGP_BAD_OPEN',
        `optional parameter ${type} declares ${valueLength} bytes, ${end - valueStart} remain`,
        q,
        options,
        { code: 2, subcode: 0 },
      );
    }
    if (type === 2) decodeCapabilities(buf, valueStart, valueEnd, capabilities, options);
    else parameters.push({ type, value: buf.slice(valueStart, valueEnd) });
    q = valueEnd;
  }
  const fourOctet = capabilities.find((c) => c.kind === 'four-octet-as');
  return {
    type: 'open',
    length,
    version,
    myAsn,
    asn: fourOctet !== undefined ? fourOctet.asn : myAsn,
    holdTime,
    bgpId,
    capabilities,
    parameters,
    extendedParameters,
  };
}

function decodeCapabilities(
  buf: Uint8Array,
  p: number,
  end: number,
  out: Capability[],
  options: DecodeOptions,
): void {
  while (p < end) {
    if (p + 2 > end) {
      fail('BGP_BAD_CAPABILITY', 'capability header runs past its parameter', p, options, {
        code: 2,
        subcode: 0,
      });
    }
    const code = buf[p];
    const length = buf[p + 1];
    const start = p + 2;
    const valueEnd = start + length;
    if (valueEnd > end) {
      fail(
        'BGP_BAD_CAPABILITY',
        `capability ${code} declares ${length} bytes, ${end - start} remain`,
        p,
        options,
        { code: 2, subcode: 0 },
      );
    }
    const expect = (ok: boolean, what: string): void => {
      if (!ok)
        fail('BGP_BAD_CAPABILITY', `capability ${code} (${what}) has length ${length}`, p, options, {
          code: 2,
          subcode: 0,
        });
    };
    switch (code) {
      case CapabilityCode.MULTIPROTOCOL:
        expect(length === 4, 'multiprotocol');
        out.push({ kind: 'multiprotocol', code: 1, afi: readU16(buf, start), safi: buf[start + 3] });
        break;
      case CapabilityCode.ROUTE_REFRESH:
        expect(length === 0, 'route refresh');
        out.push({ kind: 'route-refresh', code: 2 });
        break;
      case CapabilityCode.EXTENDED_MESSAGE:
        expect(length === 0, 'extended message');
        out.push({ kind: 'extended-message', code: 6 });
        break;
      case CapabilityCode.ENHANCED_ROUTE_REFRESH:
        expect(length === 0, 'enhanced route refresh');
        out.push({ kind: 'enhanced-route-refresh', code: 70 });
        break;
      case CapabilityCode.GRACEFUL_RESTART:
        out.push({ kind: 'graceful-restart', code: 64, value: buf.slice(start, valueEnd) });
        break;
      case CapabilityCode.FOUR_OCTET_AS:
        expect(length === 4, '4-octet AS');
        out.push({ kind: 'four-octet-as', code: 65, asn: readU32(buf, start) });
        break;
      case CapabilityCode.ADD_PATH: {
        expect(length % 4 === 0, 'ADD-PATH');
        const families: AddPathFamily[] = [];
        for (let q = start; q < valueEnd; q += 4) {
          const mode = buf[q + 3];
          if (mode < 1 || mode > 3) {
            fail('BGP_BAD_CAPABILITY', `ADD-PATH send/receive value ${mode}`, q + 3, options, {
              code: 2,
              subcode: 0,
            });
          }
          families.push({
            afi: readU16(buf, q),
            safi: buf[q + 2],
            receive: (mode & 1) !== 0,
            send: (mode & 2) !== 0,
          });
        }
        out.push({ kind: 'add-path', code: 69, families });
        break;
      }
      default:
        out.push({ kind: 'unknown', code, value: buf.slice(start, valueEnd) });
    }
    p = valueEnd;
  }
}

function decodeNotificationBody(buf: Uint8Array, p: number, end: number): BgpNotification {
  const code = buf[p];
  const subcode = buf[p + 1];
  const data = buf.slice(p + 2, end);
  const notification: BgpNotification = {
    type: 'notification',
    length: end - p + BGP_HEADER_LENGTH,
    code,
    subcode,
    codeName: notificationCodeName(code),
    subcodeName: notificationSubcodeName(code, subcode),
    data,
  };
  // RFC 9003: a length byte and that many bytes of UTF-8.
  if (code === NotificationCode.CEASE && (subcode === 2 || subcode === 4) && data.length > 0) {
    const textLength = data[0];
    if (textLength > 0 && 1 + textLength <= data.length) {
      const text = new TextDecoder('utf-8', { fatal: false }).decode(data.subarray(1, 1 + textLength));
      notification.shutdownCommunication = text;
    }
  }
  return notification;
}

function decodeRouteRefreshBody(
  buf: Uint8Array,
  p: number,
  end: number,
  options: DecodeOptions,
): BgpRouteRefresh {
  const length = end - p + BGP_HEADER_LENGTH;
  if (length !== 23) {
    fail('BGP_BAD_ROUTE_REFRESH', `ROUTE-REFRESH length ${length}, expected 23`, p - 3, options, {
      code: 7,
      subcode: 1,
      data: buf.slice(p - BGP_HEADER_LENGTH, end),
    });
  }
  return { type: 'route-refresh', length, afi: readU16(buf, p), subtype: buf[p + 2], safi: buf[p + 3] };
}

// ----- UPDATE -----

function addPathFor(option: SessionOptions['addPath'], afi: number, safi: number): boolean {
  if (option === undefined || option === false) return false;
  if (option === true) return true;
  return option.some((f) => f.afi === afi && f.safi === safi);
}

const SEVERITY: Record<UpdateOutcome, number> = {
  ok: 0,
  'attribute-discard': 1,
  'treat-as-withdraw': 2,
  'session-reset': 3,
};

/** RFC 4271 6.3 subcode for each attribute problem code of PathAttributes. */
const ATTRIBUTE_SUBCODES: Record<string, number> = {
  BGP_BAD_UPDATE_LENGTH: 1,
  BGP_BAD_WITHDRAWN_LENGTH: 1,
  BGP_BAD_ATTRIBUTE_LENGTH: 1,
  BGP_BAD_NLRI: 10,
  BGP_ATTR_TRUNCATED: 1,
  BGP_ATTR_LENGTH: 5,
  BGP_ATTR_ORIGIN: 6,
  BGP_ATTR_NEXT_HOP: 8,
  BGP_ATTR_MED: 5,
  BGP_ATTR_LOCAL_PREF: 5,
  BGP_ATTR_ATOMIC_AGGREGATE: 5,
  BGP_ATTR_AGGREGATOR: 5,
  BGP_ATTR_AS4_AGGREGATOR: 9,
  BGP_ATTR_COMMUNITIES: 9,
  BGP_ATTR_EXT_COMMUNITIES: 9,
  BGP_ATTR_LARGE_COMMUNITIES: 9,
  BGP_ATTR_ORIGINATOR_ID: 9,
  BGP_ATTR_CLUSTER_LIST: 9,
  BGP_ATTR_MP_REACH: 9,
  BGP_ATTR_MP_UNREACH: 9,
  BGP_ATTR_DUPLICATE: 1,
  BGP_ATTR_AS_PATH: 11,
  BGP_ATTR_AS4_PATH: 9,
  BGP_ATTR_FLAGS: 4,
  BGP_ATTR_MISSING: 3,
};

/** Optional and transitive bits each known attribute must have, and what RFC 7606 does when not. */
const FLAG_RULES: Record<number, { flags: number; action: UpdateProblem['action'] }> = {
  [AttrType.ORIGIN]: { flags: AttrFlag.TRANSITIVE, action: 'treat-as-withdraw' },
  [AttrType.AS_PATH]: { flags: AttrFlag.TRANSITIVE, action: 'treat-as-withdraw' },
  [AttrType.NEXT_HOP]: { flags: AttrFlag.TRANSITIVE, action: 'treat-as-withdraw' },
  [AttrType.MULTI_EXIT_DISC]: { flags: AttrFlag.OPTIONAL, action: 'treat-as-withdraw' },
  [AttrType.LOCAL_PREF]: { flags: AttrFlag.TRANSITIVE, action: 'treat-as-withdraw' },
  [AttrType.ATOMIC_AGGREGATE]: { flags: AttrFlag.TRANSITIVE, action: 'attribute-discard' },
  [AttrType.AGGREGATOR]: { flags: AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE, action: 'attribute-discard' },
  [AttrType.COMMUNITIES]: { flags: AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE, action: 'treat-as-withdraw' },
  [AttrType.ORIGINATOR_ID]: { flags: AttrFlag.OPTIONAL, action: 'treat-as-withdraw' },
  [AttrType.CLUSTER_LIST]: { flags: AttrFlag.OPTIONAL, action: 'treat-as-withdraw' },
  [AttrType.MP_REACH_NLRI]: { flags: AttrFlag.OPTIONAL, action: 'session-reset' },
  [AttrType.MP_UNREACH_NLRI]: { flags: AttrFlag.OPTIONAL, action: 'session-reset' },
  [AttrType.EXTENDED_COMMUNITIES]: {
    flags: AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE,
    action: 'treat-as-withdraw',
  },
  [AttrType.AS4_PATH]: { flags: AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE, action: 'attribute-discard' },
  [AttrType.AS4_AGGREGATOR]: {
    flags: AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE,
    action: 'attribute-discard',
  },
  [AttrType.LARGE_COMMUNITIES]: {
    flags: AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE,
    action: 'treat-as-withdraw',
  },
};

/**
 * Decodes an UPDATE body `buf[start, end)` (after the 19-byte header) with the shared walker.
 * Never throws for the contents: every problem is in `problems` with its RFC 7606 action.
 */
export function decodeUpdateBody(
  buf: Uint8Array,
  start: number,
  end: number,
  options: DecodeOptions = {},
): BgpUpdate {
  const reader = new SessionUpdateReader(buf, start, end, options);
  const attributes = walkUpdate(buf, start, end, UpdateFraming.Session, reader);
  if (attributes !== undefined) reader.checkMandatory(attributes);
  return finishUpdate(reader.update);
}

/** The session's visitor of the UPDATE walker: plain objects and RFC 7606 outcomes. */
class SessionUpdateReader implements UpdateVisitor {
  readonly update: BgpUpdate;
  readonly report: Reporter;
  private attributesStart = 0;
  private attributesEnd = 0;

  constructor(
    private readonly buf: Uint8Array,
    start: number,
    private readonly end: number,
    private readonly options: DecodeOptions,
  ) {
    const base = options.baseOffset ?? 0;
    const problems: UpdateProblem[] = [];
    this.report = (code, message, at, action, attributeType): void => {
      const problem: UpdateProblem = {
        code,
        message,
        offset: base + at,
        action,
        notification: { code: 3, subcode: ATTRIBUTE_SUBCODES[code] ?? 1 },
      };
      if (attributeType !== undefined) problem.attributeType = attributeType;
      problems.push(problem);
    };
    this.update = {
      type: 'update',
      length: end - start + BGP_HEADER_LENGTH,
      withdrawn: [],
      announced: [],
      attributes: {},
      outcome: 'ok',
      problems,
    };
  }

  updateProblem(code: BgpErrorCode, message: string, at: number): void {
    this.report(code, message, at, 'session-reset');
  }

  attributes(buf: Uint8Array, start: number, end: number): PathAttributes {
    this.attributesStart = start;
    this.attributesEnd = end;
    const report = this.report;
    // A first pass over the headers for flags and duplicates (RFC 7606 3(c), 3(g)), then
    // PathAttributes for the values.
    let block = buf;
    const scan = scanAttributeHeaders(buf, start, end, report);
    const duplicates = scan.duplicates;
    if (duplicates.length > 0) {
      // Keep the first occurrence (RFC 7606 3(g)): in a copy, renumber the later ones to the
      // reserved type 0 so that PathAttributes keeps them aside as unknown; offsets do not move.
      block = buf.slice();
      for (const at of duplicates) block[at + 1] = 0;
    }
    const asn4 = this.options.asn4 ?? true;
    const attributes = new PathAttributes().decode(block, start, end, asn4 ? 4 : 2, false);
    for (const p of attributes.problems) reportAttributeProblem(p, report);
    checkAsPaths(attributes, asn4, report);
    const duplicateValueStarts = new Set(
      duplicates.map((at) => at + ((block[at] & AttrFlag.EXTENDED_LENGTH) !== 0 ? 4 : 3)),
    );
    this.update.attributes = plainAttributes(
      attributes,
      this.update.problems,
      duplicateValueStarts,
      scan.lengths,
    );
    return attributes;
  }

  routes(kind: RouteKind, afi: number, safi: number, start: number, end: number, mp: boolean): void {
    const family = parseNlri(this.buf, start, end, afi, safi, this.options, this.report);
    if (mp && afi === 1 && safi === 1) family.mp = true;
    (kind === RouteKind.Withdrawn ? this.update.withdrawn : this.update.announced).push(family);
  }

  abbreviatedMpReach(attributes: PathAttributes): void {
    this.report(
      'BGP_ATTR_MP_REACH',
      'MP_REACH_NLRI does not start with a known AFI',
      attributes.mpReach.nextHopOffset - 1,
      'session-reset',
      AttrType.MP_REACH_NLRI,
    );
  }

  /**
   * RFC 7606 3(d): an UPDATE that announces routes must carry ORIGIN and AS_PATH, and NEXT_HOP
   * when it announces in the classic NLRI field.
   */
  checkMandatory(attributes: PathAttributes): void {
    const announcesClassic = this.attributesEnd < this.end;
    const announces =
      announcesClassic ||
      (attributes.hasMpReach && attributes.mpReach.nlriEnd > attributes.mpReach.nlriStart);
    if (!announces) return;
    const missing: string[] = [];
    if (!attributes.has(AttrType.ORIGIN)) missing.push('ORIGIN');
    if (!attributes.has(AttrType.AS_PATH)) missing.push('AS_PATH');
    if (announcesClassic && !attributes.has(AttrType.NEXT_HOP)) missing.push('NEXT_HOP');
    if (missing.length > 0) {
      this.report(
        'BGP_ATTR_MISSING',
        `well-known mandatory attribute(s) missing: ${missing.join(', ')}`,
        this.attributesStart - 2,
        'treat-as-withdraw',
      );
    }
  }
}

type Reporter = (
  code: BgpErrorCode,
  message: string,
  at: number,
  action: UpdateProblem['action'],
  attributeType?: number,
) => void;

function finishUpdate(update: BgpUpdate): BgpUpdate {
  let outcome: UpdateOutcome = 'ok';
  for (const p of update.problems) if (SEVERITY[p.action] > SEVERITY[outcome]) outcome = p.action;
  update.outcome = outcome;
  return update;
}

function reportAttributeProblem(p: AttributeProblem, report: Reporter): void {
  report(p.code, p.message, p.offset, p.action, p.attributeType === 0 ? undefined : p.attributeType);
}

interface HeaderScan {
  /** Header offsets of the second and later occurrences of an attribute type. */
  duplicates: number[];
  /** Value length of the first occurrence of each type, -1 when absent. */
  lengths: Int32Array;
}

/** Walks attribute headers; reports flag conflicts and repeated attributes. */
function scanAttributeHeaders(buf: Uint8Array, start: number, end: number, report: Reporter): HeaderScan {
  const lengths = new Int32Array(256).fill(-1);
  const duplicates: number[] = [];
  let p = start;
  while (p + 3 <= end) {
    const flags = buf[p];
    const type = buf[p + 1];
    const extended = (flags & AttrFlag.EXTENDED_LENGTH) !== 0;
    if (extended && p + 4 > end) break;
    const length = extended ? readU16(buf, p + 2) : buf[p + 2];
    const next = p + (extended ? 4 : 3) + length;
    if (next > end) break; // PathAttributes reports the overrun
    const rule = FLAG_RULES[type];
    if (rule !== undefined && (flags & (AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE)) !== rule.flags) {
      report(
        'BGP_ATTR_FLAGS',
        `attribute ${type} has flags 0x${flags.toString(16)}, optional/transitive bits should be 0x${rule.flags.toString(16)}`,
        p,
        rule.action,
        type,
      );
    }
    if (lengths[type] !== -1) {
      if (type === AttrType.MP_REACH_NLRI || type === AttrType.MP_UNREACH_NLRI) {
        // PathAttributes reports these (session reset, RFC 7606 3(g)).
      } else {
        report(
          'BGP_ATTR_DUPLICATE',
          `attribute ${type} appears more than once (later copies discarded)`,
          p,
          'attribute-discard',
          type,
        );
        duplicates.push(p);
      }
    } else lengths[type] = length;
    p = next;
  }
  return { duplicates, lengths };
}

function checkAsPaths(attributes: PathAttributes, asn4: boolean, report: Reporter): void {
  const buf = attributes.buf;
  if (attributes.asPathStart >= 0) {
    const segments = parseSegments(buf, attributes.asPathStart, attributes.asPathEnd, asn4 ? 4 : 2);
    if (segments === undefined) {
      report(
        'BGP_ATTR_AS_PATH',
        'malformed AS_PATH (unknown segment type or segment past the attribute)',
        attributes.asPathStart,
        'treat-as-withdraw',
        AttrType.AS_PATH,
      );
    }
  }
  if (attributes.as4PathStart >= 0) {
    const segments = parseSegments(buf, attributes.as4PathStart, attributes.as4PathEnd, 4);
    // RFC 6793 6 / RFC 7606 7.2 for AS4_PATH: malformed, or carrying confederation segments.
    const bad =
      segments === undefined || segments.some((s) => s.kind === 'confed-sequence' || s.kind === 'confed-set');
    if (bad) {
      report(
        'BGP_ATTR_AS4_PATH',
        'malformed AS4_PATH (discarded)',
        attributes.as4PathStart,
        'attribute-discard',
        AttrType.AS4_PATH,
      );
    }
  }
}

function discarded(problems: UpdateProblem[], type: number): boolean {
  return problems.some(
    (p) => p.attributeType === type && p.action === 'attribute-discard' && p.code !== 'BGP_ATTR_DUPLICATE',
  );
}

function plainAttributes(
  a: PathAttributes,
  problems: UpdateProblem[],
  duplicateValueStarts: Set<number>,
  lengths: Int32Array,
): UpdateAttributes {
  const out: UpdateAttributes = {};
  const origin = a.originName();
  if (origin !== undefined && a.origin <= 2) out.origin = origin;
  if (a.asPathStart >= 0) {
    // An AS4_PATH that RFC 7606 discards must not take part in the merge.
    const as4Start = a.as4PathStart;
    // RFC 6793 4.2.3: with AGGREGATOR not AS_TRANS beside AS4_AGGREGATOR, AS4_PATH is ignored
    // too (PathAttributes.asPath() merges it regardless).
    const aggregatorNotTrans =
      a.has(AttrType.AGGREGATOR) && a.has(AttrType.AS4_AGGREGATOR) && a.aggregatorAsn !== AS_TRANS;
    if (discarded(problems, AttrType.AS4_PATH) || aggregatorNotTrans) a.as4PathStart = -1;
    const path = a.asPath();
    a.as4PathStart = as4Start;
    if (path !== undefined) out.asPath = path;
  }
  const nextHop = a.nextHop();
  if (nextHop !== undefined) out.nextHop = nextHop;
  // MED and LOCAL_PREF shorter than 4 bytes have no value (PathAttributes leaves 0).
  if (lengths[AttrType.MULTI_EXIT_DISC] >= 4) out.med = a.med;
  if (lengths[AttrType.LOCAL_PREF] >= 4) out.localPref = a.localPref;
  if (a.has(AttrType.ATOMIC_AGGREGATE) && !discarded(problems, AttrType.ATOMIC_AGGREGATE))
    out.atomicAggregate = true;
  if (!discarded(problems, AttrType.AGGREGATOR)) {
    if (discarded(problems, AttrType.AS4_AGGREGATOR)) a.as4AggregatorAddressOffset = -1;
    const aggregator = a.aggregator();
    if (aggregator !== undefined) out.aggregator = aggregator;
  }
  if (a.communitiesStart >= 0) out.communities = a.communities();
  if (a.extendedCommunitiesStart >= 0) out.extendedCommunities = a.extendedCommunities();
  if (a.largeCommunitiesStart >= 0) out.largeCommunities = a.largeCommunities();
  const originatorId = a.originatorId();
  if (originatorId !== undefined) out.originatorId = originatorId;
  if (a.clusterListStart >= 0) out.clusterList = a.clusterList();
  if (a.hasMpReach && !a.mpReach.abbreviated) {
    const mp = a.mpReach;
    const reach: NonNullable<UpdateAttributes['mpReach']> = { afi: mp.afi, safi: mp.safi };
    const hops = a.mpNextHops();
    if (hops[0] !== undefined) reach.nextHop = hops[0];
    if (hops[1] !== undefined) reach.linkLocalNextHop = hops[1];
    out.mpReach = reach;
  }
  const unknown: RawAttribute[] = [];
  for (let i = 0; i < a.unknown.length; i += 4) {
    if (duplicateValueStarts.has(a.unknown[i + 2])) continue;
    unknown.push({
      flags: a.unknown[i],
      type: a.unknown[i + 1],
      value: a.buf.slice(a.unknown[i + 2], a.unknown[i + 3]),
    });
  }
  if (unknown.length > 0) out.unknown = unknown;
  return out;
}

/** Parses NLRI of one family; a syntax error stops the field (RFC 7606 5.3: session reset). */
function parseNlri(
  buf: Uint8Array,
  start: number,
  end: number,
  afi: number,
  safi: number,
  options: DecodeOptions,
  report: Reporter,
): FamilyPrefixes {
  const family: FamilyPrefixes = { afi, safi, prefixes: [] };
  const plain = (afi === Afi.IPV4 || afi === Afi.IPV6) && (safi === Safi.UNICAST || safi === Safi.MULTICAST);
  if (!plain) {
    family.unparsed = buf.slice(start, end);
    return family;
  }
  const addPath = addPathFor(options.addPath, afi, safi);
  walkNlri(
    buf,
    start,
    end,
    afi === Afi.IPV4 ? 32 : 128,
    addPath,
    new PrefixCollector(family, addPath, report),
  );
  return family;
}

/** Collects one field's prefixes as canonical text (bits past the length cleared). */
class PrefixCollector implements NlriSink {
  private readonly scratch = new Uint8Array(16);

  constructor(
    private readonly family: FamilyPrefixes,
    private readonly addPath: boolean,
    private readonly report: Reporter,
  ) {}

  prefix(buf: Uint8Array, at: number, bytes: number, length: number, pathId: number): void {
    const scratch = this.scratch;
    scratch.fill(0);
    for (let i = 0; i < bytes; i++) scratch[i] = buf[at + i];
    const whole = length >>> 3;
    if ((length & 7) !== 0) scratch[whole] &= (0xff00 >> (length & 7)) & 0xff;
    const text =
      (this.family.afi === Afi.IPV4 ? formatIPv4(scratch, 0) : formatIPv6(scratch, 0)) + '/' + length;
    this.family.prefixes.push(this.addPath ? { prefix: text, pathId } : { prefix: text });
  }

  nlriProblem(kind: NlriProblem, at: number, length: number, remaining: number): void {
    const bits = this.family.afi === Afi.IPV4 ? 32 : 128;
    const message =
      kind === NlriProblem.PathIdTruncated
        ? 'ADD-PATH NLRI runs past its field'
        : kind === NlriProblem.LengthTooLong
          ? `NLRI prefix length ${length} exceeds ${bits}`
          : `NLRI prefix /${length} needs ${(length + 7) >>> 3} bytes, ${remaining} remain`;
    this.report('BGP_BAD_NLRI', message, at, 'session-reset');
  }
}

// ----- session negotiation -----

/**
 * What a session between two speakers uses, from their OPENs (`local` sent, `remote` received):
 * 4-byte ASNs when both announced capability 65, extended messages when both announced 6, and
 * the families where the local side receives path ids (it said receive, the peer said send).
 */
export function negotiateSession(local: BgpOpen, remote: BgpOpen): Required<SessionOptions> {
  const has = (open: BgpOpen, kind: Capability['kind']): boolean =>
    open.capabilities.some((c) => c.kind === kind);
  const addPathOf = (open: BgpOpen): AddPathFamily[] =>
    open.capabilities.flatMap((c) => (c.kind === 'add-path' ? c.families : []));
  const remoteFamilies = addPathOf(remote);
  const receive: AfiSafi[] = [];
  for (const mine of addPathOf(local)) {
    if (!mine.receive) continue;
    const theirs = remoteFamilies.find((f) => f.afi === mine.afi && f.safi === mine.safi);
    if (theirs?.send) receive.push({ afi: mine.afi, safi: mine.safi });
  }
  return {
    asn4: has(local, 'four-octet-as') && has(remote, 'four-octet-as'),
    addPath: receive,
    extendedMessages: has(local, 'extended-message') && has(remote, 'extended-message'),
  };
}

// ----- encoding -----

function encodeError(message: string, field?: string): CairnError {
  return new CairnError('BGP_ENCODE', message, field !== undefined ? { field } : {});
}

/** Growable byte writer for the encoders. */
class Writer {
  private buf = new Uint8Array(256);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  u8(value: number): void {
    this.reserve(1);
    this.buf[this.length++] = value & 0xff;
  }

  u16(value: number): void {
    this.reserve(2);
    this.buf[this.length++] = (value >>> 8) & 0xff;
    this.buf[this.length++] = value & 0xff;
  }

  u32(value: number): void {
    this.reserve(4);
    this.buf[this.length++] = (value >>> 24) & 0xff;
    this.buf[this.length++] = (value >>> 16) & 0xff;
    this.buf[this.length++] = (value >>> 8) & 0xff;
    this.buf[this.length++] = value & 0xff;
  }

  bytes(value: Uint8Array): void {
    this.reserve(value.length);
    this.buf.set(value, this.length);
    this.length += value.length;
  }

  setU8(at: number, value: number): void {
    this.buf[at] = value & 0xff;
  }

  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function checkUint(value: number, max: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max)
    throw encodeError(`${field} ${value} is not an integer in 0..${max}`, field);
  return value;
}

/** Wraps a body in the 19-byte header. */
function frame(type: number, body: Uint8Array, maxLength: number): Uint8Array {
  const length = BGP_HEADER_LENGTH + body.length;
  if (length > maxLength)
    throw encodeError(`message of ${length} bytes exceeds the ${maxLength}-byte limit`, 'length');
  const out = new Uint8Array(length);
  out.fill(0xff, 0, BGP_MARKER_LENGTH);
  out[16] = length >>> 8;
  out[17] = length & 0xff;
  out[18] = type;
  out.set(body, BGP_HEADER_LENGTH);
  return out;
}

export function encodeKeepalive(): Uint8Array {
  return frame(BgpMessageType.KEEPALIVE, new Uint8Array(0), BGP_HEADER_LENGTH);
}

export function encodeNotification(notification: NotificationSpec): Uint8Array {
  const w = new Writer();
  w.u8(checkUint(notification.code, 255, 'code'));
  w.u8(checkUint(notification.subcode, 255, 'subcode'));
  if (notification.data !== undefined) w.bytes(notification.data);
  return frame(BgpMessageType.NOTIFICATION, w.result(), BGP_MAX_MESSAGE_LENGTH);
}

export function encodeRouteRefresh(request: { afi: number; safi: number; subtype?: number }): Uint8Array {
  const w = new Writer();
  w.u16(checkUint(request.afi, 0xffff, 'afi'));
  w.u8(checkUint(request.subtype ?? 0, 255, 'subtype'));
  w.u8(checkUint(request.safi, 255, 'safi'));
  return frame(BgpMessageType.ROUTE_REFRESH, w.result(), BGP_MAX_MESSAGE_LENGTH);
}

export interface OpenSpec {
  version?: number;
  /** The speaker's ASN; the 2-byte field gets AS_TRANS when it does not fit (RFC 6793). */
  asn: number;
  holdTime: number;
  bgpId: string;
  capabilities?: Capability[];
  parameters?: { type: number; value: Uint8Array }[];
  /** Force the RFC 9072 extended parameter format (used anyway when parameters exceed 255 bytes). */
  extendedParameters?: boolean;
}

function encodeCapability(w: Writer, c: Capability): void {
  const start = w.length;
  w.u8(c.code);
  w.u8(0);
  switch (c.kind) {
    case 'multiprotocol':
      w.u16(checkUint(c.afi, 0xffff, 'afi'));
      w.u8(0);
      w.u8(checkUint(c.safi, 255, 'safi'));
      break;
    case 'four-octet-as':
      w.u32(checkUint(c.asn, 0xffffffff, 'asn'));
      break;
    case 'add-path':
      for (const f of c.families) {
        if (!f.send && !f.receive) throw encodeError('ADD-PATH family with neither send nor receive');
        w.u16(checkUint(f.afi, 0xffff, 'afi'));
        w.u8(checkUint(f.safi, 255, 'safi'));
        w.u8((f.receive ? 1 : 0) | (f.send ? 2 : 0));
      }
      break;
    case 'graceful-restart':
    case 'unknown':
      w.bytes(c.value);
      break;
    default:
      break;
  }
  const length = w.length - start - 2;
  if (length > 255) throw encodeError(`capability ${c.code} value of ${length} bytes exceeds 255`);
  w.setU8(start + 1, length);
}

export function encodeOpen(open: OpenSpec): Uint8Array {
  const asn = checkUint(open.asn, 0xffffffff, 'asn');
  const params: { type: number; value: Uint8Array }[] = [];
  const capabilities = open.capabilities ?? [];
  if (capabilities.length > 0) {
    const w = new Writer();
    for (const c of capabilities) encodeCapability(w, c);
    params.push({ type: 2, value: w.result() });
  }
  for (const p of open.parameters ?? []) params.push(p);
  const shortTotal = params.reduce((n, p) => n + 2 + p.value.length, 0);
  const extended =
    open.extendedParameters === true || shortTotal > 255 || params.some((p) => p.value.length > 255);
  const w = new Writer();
  w.u8(checkUint(open.version ?? 4, 255, 'version'));
  w.u16(asn > 0xffff ? AS_TRANS : asn);
  w.u16(checkUint(open.holdTime, 0xffff, 'holdTime'));
  const id = parseAddress(open.bgpId);
  if (id.family !== 4) throw encodeError(`BGP identifier ${open.bgpId} is not IPv4`, 'bgpId');
  w.bytes(id.bytes);
  if (extended) {
    const total = params.reduce((n, p) => n + 3 + p.value.length, 0);
    w.u8(255);
    w.u8(255);
    w.u16(checkUint(total, 0xffff, 'parameters length'));
    for (const p of params) {
      w.u8(p.type);
      w.u16(p.value.length);
      w.bytes(p.value);
    }
  } else {
    w.u8(shortTotal);
    for (const p of params) {
      w.u8(p.type);
      w.u8(p.value.length);
      w.bytes(p.value);
    }
  }
  return frame(BgpMessageType.OPEN, w.result(), BGP_MAX_MESSAGE_LENGTH);
}

/** What encodeUpdate takes: the same shape decodeUpdateBody returns, without the outcome. */
export interface UpdateSpec {
  withdrawn?: FamilyPrefixes[];
  announced?: FamilyPrefixes[];
  attributes?: UpdateAttributes;
}

function writeAttribute(w: Writer, flags: number, type: number, value: Uint8Array): void {
  const extended = value.length > 255;
  w.u8(extended ? flags | AttrFlag.EXTENDED_LENGTH : flags & ~AttrFlag.EXTENDED_LENGTH);
  w.u8(type);
  if (extended) w.u16(checkUint(value.length, 0xffff, `attribute ${type} length`));
  else w.u8(value.length);
  w.bytes(value);
}

function writePrefixes(w: Writer, family: FamilyPrefixes, addPath: boolean): void {
  if (family.unparsed !== undefined) {
    w.bytes(family.unparsed);
    return;
  }
  for (const entry of family.prefixes) {
    const prefix = parsePrefix(entry.prefix);
    if ((prefix.family === 4 ? 1 : 2) !== family.afi)
      throw encodeError(`prefix ${entry.prefix} is not of AFI ${family.afi}`, 'prefix');
    if (addPath) {
      if (entry.pathId === undefined)
        throw encodeError(`ADD-PATH is on for ${family.afi}/${family.safi}: ${entry.prefix} needs a pathId`);
      w.u32(checkUint(entry.pathId, 0xffffffff, 'pathId'));
    } else if (entry.pathId !== undefined) {
      throw encodeError(`ADD-PATH is off for ${family.afi}/${family.safi}: ${entry.prefix} has a pathId`);
    }
    w.u8(prefix.length);
    w.bytes(prefix.bytes.subarray(0, (prefix.length + 7) >>> 3));
  }
}

function writeSegments(w: Writer, segments: AsPathSegment[], width: 2 | 4, transForBig: boolean): void {
  const types: Record<AsPathSegment['kind'], number> = {
    set: SegmentType.AS_SET,
    sequence: SegmentType.AS_SEQUENCE,
    'confed-sequence': SegmentType.AS_CONFED_SEQUENCE,
    'confed-set': SegmentType.AS_CONFED_SET,
  };
  for (const segment of segments) {
    const sequence = segment.kind === 'sequence' || segment.kind === 'confed-sequence';
    if (!sequence && segment.asns.length > 255)
      throw encodeError(`AS set of ${segment.asns.length} ASNs exceeds 255`, 'asPath');
    // Long sequences are split into segments of at most 255 (RFC 4271 5.1.2).
    for (let i = 0; i === 0 || i < segment.asns.length; i += 255) {
      const part = segment.asns.slice(i, i + 255);
      w.u8(types[segment.kind]);
      w.u8(part.length);
      for (const asn of part) {
        checkUint(asn, 0xffffffff, 'asn');
        if (width === 4) w.u32(asn);
        else w.u16(asn > 0xffff ? (transForBig ? AS_TRANS : asn) : asn);
      }
    }
  }
}

function communityValue(text: string, parts: number, field: string): number[] {
  const fields = text.split(':');
  const max = parts === 2 ? 0xffff : 0xffffffff;
  if (fields.length !== parts || fields.some((f) => !/^[0-9]+$/.test(f)))
    throw encodeError(`${field} ${JSON.stringify(text)} is not ${parts} numbers separated by ':'`, field);
  return fields.map((f) => checkUint(Number(f), max, field));
}

function nextHopBytes(text: string, field: string): Uint8Array {
  try {
    return parseAddress(text).bytes;
  } catch (error) {
    throw new CairnError('BGP_ENCODE', `${field}: ${(error as Error).message}`, { field });
  }
}

/**
 * Encodes an UPDATE. IPv4 unicast goes in the classic fields (unless `mp: true`); every other
 * family goes in MP_REACH_NLRI / MP_UNREACH_NLRI, which are written first (RFC 7606 5.1).
 * On 2-byte sessions (`asn4: false`) 4-byte ASNs become AS_TRANS with AS4_PATH and
 * AS4_AGGREGATOR carrying the real ones (RFC 6793 4.2.2).
 */
export function encodeUpdate(update: UpdateSpec, options: SessionOptions = {}): Uint8Array {
  const asn4 = options.asn4 ?? true;
  const a = update.attributes ?? {};
  const classic = (f: FamilyPrefixes): boolean => f.afi === 1 && f.safi === 1 && f.mp !== true;
  const withdrawnClassic = (update.withdrawn ?? []).filter(classic);
  const withdrawnMp = (update.withdrawn ?? []).filter((f) => !classic(f));
  const announcedClassic = (update.announced ?? []).filter(classic);
  const announcedMp = (update.announced ?? []).filter((f) => !classic(f));
  if (withdrawnMp.length > 1 || announcedMp.length > 1)
    throw encodeError('one UPDATE carries at most one MP_REACH_NLRI and one MP_UNREACH_NLRI');

  const attrs = new Writer();
  if (announcedMp.length === 1) {
    const family = announcedMp[0];
    const reach = a.mpReach;
    if (reach === undefined || reach.nextHop === undefined)
      throw encodeError('announcing in MP_REACH_NLRI needs attributes.mpReach.nextHop', 'mpReach');
    const v = new Writer();
    v.u16(checkUint(family.afi, 0xffff, 'afi'));
    v.u8(checkUint(family.safi, 255, 'safi'));
    const hop = nextHopBytes(reach.nextHop, 'mpReach.nextHop');
    const linkLocal =
      reach.linkLocalNextHop !== undefined
        ? nextHopBytes(reach.linkLocalNextHop, 'mpReach.linkLocalNextHop')
        : undefined;
    v.u8(hop.length + (linkLocal?.length ?? 0));
    v.bytes(hop);
    if (linkLocal !== undefined) v.bytes(linkLocal);
    v.u8(0); // reserved
    writePrefixes(v, family, addPathFor(options.addPath, family.afi, family.safi));
    writeAttribute(attrs, AttrFlag.OPTIONAL, AttrType.MP_REACH_NLRI, v.result());
  }
  if (withdrawnMp.length === 1) {
    const family = withdrawnMp[0];
    const v = new Writer();
    v.u16(checkUint(family.afi, 0xffff, 'afi'));
    v.u8(checkUint(family.safi, 255, 'safi'));
    writePrefixes(v, family, addPathFor(options.addPath, family.afi, family.safi));
    writeAttribute(attrs, AttrFlag.OPTIONAL, AttrType.MP_UNREACH_NLRI, v.result());
  }
  if (a.origin !== undefined) {
    const code = ['IGP', 'EGP', 'INCOMPLETE'].indexOf(a.origin);
    writeAttribute(attrs, AttrFlag.TRANSITIVE, AttrType.ORIGIN, Uint8Array.of(code));
  }
  let needAs4Path = false;
  if (a.asPath !== undefined) {
    const v = new Writer();
    writeSegments(v, a.asPath, asn4 ? 4 : 2, true);
    writeAttribute(attrs, AttrFlag.TRANSITIVE, AttrType.AS_PATH, v.result());
    needAs4Path = !asn4 && a.asPath.some((s) => s.asns.some((asn) => asn > 0xffff));
  }
  if (a.nextHop !== undefined) {
    const hop = nextHopBytes(a.nextHop, 'nextHop');
    if (hop.length !== 4) throw encodeError(`NEXT_HOP ${a.nextHop} is not IPv4`, 'nextHop');
    writeAttribute(attrs, AttrFlag.TRANSITIVE, AttrType.NEXT_HOP, hop);
  }
  const u32 = (value: number, field: string): Uint8Array => {
    const v = new Writer();
    v.u32(checkUint(value, 0xffffffff, field));
    return v.result();
  };
  if (a.med !== undefined)
    writeAttribute(attrs, AttrFlag.OPTIONAL, AttrType.MULTI_EXIT_DISC, u32(a.med, 'med'));
  if (a.localPref !== undefined)
    writeAttribute(attrs, AttrFlag.TRANSITIVE, AttrType.LOCAL_PREF, u32(a.localPref, 'localPref'));
  if (a.atomicAggregate === true)
    writeAttribute(attrs, AttrFlag.TRANSITIVE, AttrType.ATOMIC_AGGREGATE, new Uint8Array(0));
  let as4Aggregator: Uint8Array | undefined;
  if (a.aggregator !== undefined) {
    const v = new Writer();
    const asn = checkUint(a.aggregator.asn, 0xffffffff, 'aggregator.asn');
    const address = nextHopBytes(a.aggregator.address, 'aggregator.address');
    if (address.length !== 4) throw encodeError('aggregator address is not IPv4', 'aggregator.address');
    if (asn4) v.u32(asn);
    else v.u16(asn > 0xffff ? AS_TRANS : asn);
    v.bytes(address);
    writeAttribute(attrs, AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE, AttrType.AGGREGATOR, v.result());
    if (!asn4 && asn > 0xffff) {
      const w4 = new Writer();
      w4.u32(asn);
      w4.bytes(address);
      as4Aggregator = w4.result();
    }
  }
  if (a.communities !== undefined) {
    const v = new Writer();
    for (const c of a.communities) {
      const [high, low] = communityValue(c, 2, 'community');
      v.u16(high);
      v.u16(low);
    }
    writeAttribute(attrs, AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE, AttrType.COMMUNITIES, v.result());
  }
  if (a.originatorId !== undefined)
    writeAttribute(
      attrs,
      AttrFlag.OPTIONAL,
      AttrType.ORIGINATOR_ID,
      nextHopBytes(a.originatorId, 'originatorId'),
    );
  if (a.clusterList !== undefined) {
    const v = new Writer();
    for (const id of a.clusterList) v.bytes(nextHopBytes(id, 'clusterList'));
    writeAttribute(attrs, AttrFlag.OPTIONAL, AttrType.CLUSTER_LIST, v.result());
  }
  if (a.extendedCommunities !== undefined) {
    const v = new Writer();
    for (const c of a.extendedCommunities) {
      if (!/^[0-9a-fA-F]{16}$/.test(c)) throw encodeError(`extended community ${c} is not 16 hex digits`);
      for (let i = 0; i < 16; i += 2) v.u8(parseInt(c.slice(i, i + 2), 16));
    }
    writeAttribute(attrs, AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE, AttrType.EXTENDED_COMMUNITIES, v.result());
  }
  if (needAs4Path && a.asPath !== undefined) {
    const v = new Writer();
    // AS4_PATH carries no confederation segments (RFC 6793 3).
    writeSegments(
      v,
      a.asPath.filter((s) => s.kind === 'sequence' || s.kind === 'set'),
      4,
      false,
    );
    writeAttribute(attrs, AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE, AttrType.AS4_PATH, v.result());
  }
  if (as4Aggregator !== undefined)
    writeAttribute(attrs, AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE, AttrType.AS4_AGGREGATOR, as4Aggregator);
  if (a.largeCommunities !== undefined) {
    const v = new Writer();
    for (const c of a.largeCommunities) for (const n of communityValue(c, 3, 'large community')) v.u32(n);
    writeAttribute(attrs, AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE, AttrType.LARGE_COMMUNITIES, v.result());
  }
  for (const raw of a.unknown ?? []) writeAttribute(attrs, raw.flags, raw.type, raw.value);

  const body = new Writer();
  const withdrawn = new Writer();
  for (const f of withdrawnClassic) writePrefixes(withdrawn, f, addPathFor(options.addPath, 1, 1));
  body.u16(checkUint(withdrawn.length, 0xffff, 'withdrawn routes length'));
  body.bytes(withdrawn.result());
  body.u16(checkUint(attrs.length, 0xffff, 'total path attribute length'));
  body.bytes(attrs.result());
  for (const f of announcedClassic) writePrefixes(body, f, addPathFor(options.addPath, 1, 1));
  const max = options.extendedMessages ? BGP_MAX_EXTENDED_MESSAGE_LENGTH : BGP_MAX_MESSAGE_LENGTH;
  return frame(BgpMessageType.UPDATE, body.result(), max);
}
