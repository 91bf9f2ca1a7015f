/**
 * RIS Live's WebSocket protocol (https://ris-live.ripe.net/manual/): the client messages
 * (`ris_subscribe`, `ris_unsubscribe`, `request_rrc_list`, `ping`) and the server messages
 * (`ris_message`, `ris_error`, `ris_rrc_list`, `ris_subscribe_ok`, `pong`), each a JSON object
 * `{type, data}`. `parseServerMessage` checks a frame against the documented shapes by hand (it
 * runs once per message of a firehose) and says what is wrong with the JSON path of the field.
 *
 * @example
 * const parsed = parseServerMessage('{"type":"pong","data":null}');
 * if (parsed.ok) parsed.message.type; // 'pong'
 */
import type { ErrorCode } from '../../errors/index.js';

// ---- client messages ---------------------------------------------------------------------------

/** BGP and RIS message types a subscription can ask for. */
export type RisMessageType = 'UPDATE' | 'OPEN' | 'NOTIFICATION' | 'KEEPALIVE' | 'RIS_PEER_STATE';
export const RIS_MESSAGE_TYPES: readonly RisMessageType[] = [
  'UPDATE',
  'OPEN',
  'NOTIFICATION',
  'KEEPALIVE',
  'RIS_PEER_STATE',
];

/** Options of the whole socket; a later subscription carrying them replaces the earlier ones. */
export interface RisSocketOptions {
  /** Add `raw` (the BGP message in hex) to every message. */
  includeRaw?: boolean;
  /** Have the server confirm each subscription with `ris_subscribe_ok`. */
  acknowledge?: boolean;
}

/** The filters of one `ris_subscribe` (all optional; the server sends what matches all of them). */
export interface RisSubscription {
  /** One collector, such as `rrc00`. */
  host?: string;
  type?: RisMessageType;
  /** Only messages that have this key (`announcements`, `withdrawals`). */
  require?: string;
  /** One BGP peer's address. */
  peer?: string;
  /** An ASN, or RIS Live's path pattern (`789$`, `^123,456`, `!6666$`). */
  path?: number | string;
  /** One CIDR prefix or several (one server-side subscription each). */
  prefix?: string | string[];
  /** Match prefixes inside `prefix` (server default true). */
  moreSpecific?: boolean;
  /** Match prefixes covering `prefix` (server default false). */
  lessSpecific?: boolean;
  socketOptions?: RisSocketOptions;
}

export interface ClientMessage {
  type: 'ris_subscribe' | 'ris_unsubscribe' | 'request_rrc_list' | 'ping';
  data: RisSubscription | null;
}

/** The JSON text of a `ris_subscribe` for `subscription`. */
export function subscribeMessage(subscription: RisSubscription): string {
  return JSON.stringify({ type: 'ris_subscribe', data: subscription } satisfies ClientMessage);
}

export function pingMessage(): string {
  return JSON.stringify({ type: 'ping', data: null } satisfies ClientMessage);
}

export function rrcListRequest(): string {
  return JSON.stringify({ type: 'request_rrc_list', data: null } satisfies ClientMessage);
}

// ---- server messages ---------------------------------------------------------------------------

/** An AS path element: an ASN, or an AS_SET as a nested array. */
export type RisPathElement = number | number[];

export interface RisAnnouncement {
  /** Next hop; IPv6 ones may be `global,link-local`. */
  next_hop: string;
  prefixes: string[];
}

/** The fields every `ris_message` has. */
interface RisMessageBase {
  /** Unix seconds (with a fraction) at the collector. */
  timestamp: number;
  peer: string;
  /** The peer's ASN (the server sends it as a string). */
  peer_asn: number;
  id: string;
  /** Collector, such as `rrc00`. */
  host: string;
  raw?: string;
}

export interface RisUpdateData extends RisMessageBase {
  type: 'UPDATE';
  path?: RisPathElement[];
  /** RFC 1997 communities as [asn, value] pairs. */
  community?: Array<[number, number]>;
  /** `igp`, `egp` or `incomplete`. */
  origin?: string;
  med?: number;
  /** `asn:address`. */
  aggregator?: string;
  announcements?: RisAnnouncement[];
  withdrawals?: string[];
}

export interface RisPeerStateData extends RisMessageBase {
  type: 'RIS_PEER_STATE';
  /** `connected`, `down`... */
  state: string;
}

export interface RisOtherData extends RisMessageBase {
  type: 'OPEN' | 'NOTIFICATION' | 'KEEPALIVE';
}

export type RisMessageData = RisUpdateData | RisPeerStateData | RisOtherData;

export type ServerMessage =
  | { type: 'ris_message'; data: RisMessageData }
  | { type: 'ris_error'; data: { message: string } }
  | { type: 'ris_rrc_list'; data: string[] }
  | { type: 'ris_subscribe_ok'; data: { subscription: unknown; socketOptions?: unknown } }
  | { type: 'pong'; data: unknown };

/** What is wrong with a frame: the code, the message and the JSON path of the field. */
export interface FrameProblem {
  code: Extract<ErrorCode, 'RIS_LIVE_BAD_JSON' | 'RIS_LIVE_BAD_MESSAGE' | 'RIS_LIVE_UNKNOWN_TYPE'>;
  message: string;
  path?: string;
}

export type ParsedFrame = { ok: true; message: ServerMessage } | { ok: false; problem: FrameProblem };

class Bad extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function string(object: Json, key: string, path: string): string {
  const value = object[key];
  if (typeof value !== 'string') throw new Bad(`${path}.${key}`, `${key} must be a string`);
  return value;
}

function optionalString(object: Json, key: string, path: string): string | undefined {
  const value = object[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new Bad(`${path}.${key}`, `${key} must be a string`);
  return value;
}

function finite(value: unknown, path: string, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Bad(path, `${what} must be a number`);
  return value;
}

/** An ASN as RIS Live sends it: a decimal string (peer_asn) or a number. */
function asn(value: unknown, path: string): number {
  const n = typeof value === 'string' && /^[0-9]{1,10}$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0xffffffff)
    throw new Bad(path, 'an ASN must be an integer from 0 to 4294967295');
  return n;
}

function stringArray(value: unknown, path: string): string[] {
  if (!Array.isArray(value)) throw new Bad(path, 'must be an array of strings');
  for (let i = 0; i < value.length; i++)
    if (typeof value[i] !== 'string') throw new Bad(`${path}[${i}]`, 'must be a string');
  return value as string[];
}

function pathElements(value: unknown, path: string): RisPathElement[] {
  if (!Array.isArray(value)) throw new Bad(path, 'path must be an array');
  const out: RisPathElement[] = [];
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    if (Array.isArray(item)) out.push(item.map((a, j) => asn(a, `${path}[${i}][${j}]`)));
    else out.push(asn(item, `${path}[${i}]`));
  }
  return out;
}

function communities(value: unknown, path: string): Array<[number, number]> {
  if (!Array.isArray(value)) throw new Bad(path, 'community must be an array');
  return value.map((pair: unknown, i) => {
    if (!Array.isArray(pair) || pair.length !== 2)
      throw new Bad(`${path}[${i}]`, 'a community is [asn, value]');
    const high: unknown = pair[0];
    const low: unknown = pair[1];
    if (!Number.isInteger(high) || !Number.isInteger(low) || (high as number) < 0 || (low as number) < 0)
      throw new Bad(`${path}[${i}]`, 'a community is two integers');
    if ((high as number) > 0xffff || (low as number) > 0xffff)
      throw new Bad(`${path}[${i}]`, 'community halves are 16-bit');
    return [high as number, low as number];
  });
}

function updateFields(data: Json, base: RisMessageBase, path: string): RisUpdateData {
  const update: RisUpdateData = { ...base, type: 'UPDATE' };
  if (data.path !== undefined) update.path = pathElements(data.path, `${path}.path`);
  if (data.community !== undefined) update.community = communities(data.community, `${path}.community`);
  const origin = optionalString(data, 'origin', path);
  if (origin !== undefined) update.origin = origin;
  if (data.med !== undefined && data.med !== null) {
    const med = finite(data.med, `${path}.med`, 'med');
    if (!Number.isInteger(med) || med < 0 || med > 0xffffffff) throw new Bad(`${path}.med`, 'med is 32-bit');
    update.med = med;
  }
  const aggregator = optionalString(data, 'aggregator', path);
  if (aggregator !== undefined) update.aggregator = aggregator;
  if (data.announcements !== undefined) {
    const list = data.announcements;
    if (!Array.isArray(list)) throw new Bad(`${path}.announcements`, 'announcements must be an array');
    update.announcements = list.map((item: unknown, i) => {
      const at = `${path}.announcements[${i}]`;
      if (!isObject(item)) throw new Bad(at, 'an announcement is an object');
      return {
        next_hop: string(item, 'next_hop', at),
        prefixes: stringArray(item.prefixes, `${at}.prefixes`),
      };
    });
  }
  if (data.withdrawals !== undefined)
    update.withdrawals = stringArray(data.withdrawals, `${path}.withdrawals`);
  return update;
}

function risMessageData(data: unknown): RisMessageData {
  const path = '$.data';
  if (!isObject(data)) throw new Bad(path, 'data must be an object');
  const base: RisMessageBase = {
    timestamp: finite(data.timestamp, `${path}.timestamp`, 'timestamp'),
    peer: string(data, 'peer', path),
    peer_asn: asn(data.peer_asn, `${path}.peer_asn`),
    id: typeof data.id === 'string' ? data.id : '',
    host: string(data, 'host', path),
  };
  if (typeof data.raw === 'string') base.raw = data.raw;
  const type = string(data, 'type', path);
  switch (type) {
    case 'UPDATE':
      return updateFields(data, base, path);
    case 'RIS_PEER_STATE':
      return { ...base, type, state: string(data, 'state', path) };
    case 'OPEN':
    case 'NOTIFICATION':
    case 'KEEPALIVE':
      return { ...base, type };
    default:
      throw new Bad(`${path}.type`, `unknown ris_message type ${JSON.stringify(type).slice(0, 40)}`);
  }
}

/** Parses one frame from the server; never throws. */
export function parseServerMessage(text: string): ParsedFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: { code: 'RIS_LIVE_BAD_JSON', message: (error as Error).message } };
  }
  try {
    if (!isObject(value)) throw new Bad('$', 'a message is a JSON object');
    const type = value.type;
    if (typeof type !== 'string') throw new Bad('$.type', 'type must be a string');
    const data = value.data;
    switch (type) {
      case 'ris_message':
        return { ok: true, message: { type, data: risMessageData(data) } };
      case 'ris_error': {
        const message =
          isObject(data) && typeof data.message === 'string' ? data.message : JSON.stringify(data);
        return { ok: true, message: { type, data: { message: message ?? '' } } };
      }
      case 'ris_rrc_list':
        return { ok: true, message: { type, data: stringArray(data, '$.data') } };
      case 'ris_subscribe_ok':
        return {
          ok: true,
          message: {
            type,
            data: isObject(data)
              ? { subscription: data.subscription, socketOptions: data.socketOptions }
              : { subscription: data },
          },
        };
      case 'pong':
        return { ok: true, message: { type, data } };
      default:
        return {
          ok: false,
          problem: {
            code: 'RIS_LIVE_UNKNOWN_TYPE',
            message: `unknown message type ${JSON.stringify(type).slice(0, 60)}`,
            path: '$.type',
          },
        };
    }
  } catch (error) {
    if (error instanceof Bad) {
      const unknownType = error.path === '$.data.type' && error.message.startsWith('unknown');
      return {
        ok: false,
        problem: {
          code: unknownType ? 'RIS_LIVE_UNKNOWN_TYPE' : 'RIS_LIVE_BAD_MESSAGE',
          message: error.message,
          path: error.path,
        },
      };
    }
    throw error;
  }
}
