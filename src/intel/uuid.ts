import { createHash } from 'node:crypto';

/** Namespace bytes by their text: ids are made by the million in an export, from two namespaces. */
const namespaceBytes = new Map<string, Buffer>();

/** Namespace of STIX 2.1 SCO deterministic ids (STIX 2.1 §2.9). */
export const STIX_SCO_NAMESPACE = '00abedb4-aa42-466c-9c01-fed23315a9b7';

/**
 * Namespace for the ids cairn derives itself (facts from CSV lines, exported SDOs). A UUIDv5 of
 * the DNS namespace over "cairn.intel", so anyone can recompute it.
 */
export const CAIRN_NAMESPACE = uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'cairn.intel');

/** RFC 4122 §4.3 name-based UUID (version 5, SHA-1). */
export function uuidV5(namespace: string, name: string): string {
  let ns = namespaceBytes.get(namespace);
  if (ns === undefined) {
    ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
    if (namespaceBytes.size < 16) namespaceBytes.set(namespace, ns);
  }
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const h = hash.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Deterministic id `<prefix>--<uuidv5 over name in the cairn namespace>`. */
export function cairnId(prefix: string, name: string): string {
  return `${prefix}--${uuidV5(CAIRN_NAMESPACE, name)}`;
}

/**
 * RFC 8785 (JCS) serialisation for the JSON values used in SCO id contributing properties
 * (objects, arrays, strings, finite numbers, booleans): keys sorted by UTF-16 code units.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/** STIX 2.1 SCO id: `type--UUIDv5(SCO namespace, JCS(contributing properties))`. */
export function stixScoId(type: string, contributing: Record<string, unknown>): string {
  return `${type}--${uuidV5(STIX_SCO_NAMESPACE, canonicalJson(contributing))}`;
}

/** The uuid that ends a STIX id, after its `--`: 36 characters. */
const STIX_ID_UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** The type part of a STIX id: lower-case letters, digits and hyphens, not starting or ending with one. */
const STIX_ID_TYPE = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

/**
 * True when `id` is `type--uuid` (and, when given, the type part equals `type`). The uuid has a
 * fixed length, so the `--` before it is at a known place and each part is checked alone (one
 * pattern over the whole id backtracked through the type's hyphens: ATT&CK's import asks this
 * three times a relationship).
 */
export function isStixId(id: unknown, type?: string): id is string {
  if (typeof id !== 'string' || id.length > 300) return false;
  const cut = id.length - 38;
  if (cut < 1 || id.charCodeAt(cut) !== 0x2d || id.charCodeAt(cut + 1) !== 0x2d) return false;
  if (!STIX_ID_UUID.test(id.slice(cut + 2)) || !STIX_ID_TYPE.test(id.slice(0, cut))) return false;
  return type === undefined || id.slice(0, id.indexOf('--')) === type;
}
