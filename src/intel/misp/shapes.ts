/**
 * The shapes a MISP document comes in, told apart: `{"Event": …}`, `{"response": [...]}` (search
 * results), a bare event as PyMISP writes it (`MISPEvent.to_json()`), a list of events, a lone
 * attribute or object (bare or as `{"Attribute": …}` / `{"Object": …}`), and a feed's
 * `manifest.json` (event uuid -> event summary).
 */
import type { CairnError } from '../../errors/index.js';
import { listElements } from '../json-stream.js';
import type { MemberDecision } from '../json-stream.js';

export type Json = Record<string, unknown>;

/** One thing found in a MISP document, with its JSON path. */
export type MispItem =
  | { kind: 'event'; node: Json; path: string }
  | { kind: 'attribute'; node: Json; path: string }
  | { kind: 'object'; node: Json; path: string }
  | { kind: 'manifest'; events: number; path: string }
  | { kind: 'not-misp'; path: string; message: string }
  | { kind: 'bad-json'; path: string; error: CairnError };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `uuid` is an RFC 4122 uuid string. */
export function isUuid(uuid: unknown): uuid is string {
  return typeof uuid === 'string' && UUID.test(uuid);
}

export function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Members that only an event has at its top (an object has `name`, an attribute `type`). */
const EVENT_MEMBERS = [
  'info',
  'Orgc',
  'threat_level_id',
  'analysis',
  'EventReport',
  'Galaxy',
  'publish_timestamp',
];

function hasEventMembers(o: Json): boolean {
  return EVENT_MEMBERS.some((k) => k in o);
}

function looksLikeEvent(o: Json): boolean {
  return hasEventMembers(o) || ((Array.isArray(o.Attribute) || Array.isArray(o.Object)) && !('name' in o));
}

function looksLikeObject(o: Json): boolean {
  return typeof o.name === 'string' && ('Attribute' in o || 'meta-category' in o || 'template_uuid' in o);
}

function looksLikeAttribute(o: Json): boolean {
  return typeof o.type === 'string' && 'value' in o;
}

function looksLikeManifest(o: Json): boolean {
  const keys = Object.keys(o);
  return keys.length > 0 && keys.every((k) => isUuid(k) && isObject(o[k]) && 'info' in (o[k] as Json));
}

/** What a document's reader parses, reads as a skeleton, or leaves as a lazy list, by member name. */
export const MISP_MEMBERS: MemberDecision = (key) => {
  if (key === 'Event') return 'skeleton';
  // Objects are read as skeletons too, so the attributes inside one are read one at a time.
  if (key === 'response' || key === 'Object') return 'lazy-skeleton';
  if (key === 'Attribute' || key === 'ShadowAttribute' || key === 'Sighting' || key === 'ObjectReference')
    return 'lazy';
  return 'parse';
};

/**
 * Every event, attribute and object of a MISP document (parsed, or a skeleton whose lists are
 * lazy), in document order, one at a time.
 */
export function* mispItems(doc: unknown, file = '<input>'): Generator<MispItem> {
  if (Array.isArray(doc)) yield* elementsOf(doc, '$', file, (d, path) => classify(d, path, file));
  else yield* classify(doc, '$', file);
}

function* elementsOf(
  list: unknown[],
  path: string,
  file: string,
  each: (value: unknown, path: string) => Iterable<MispItem>,
): Generator<MispItem> {
  for (const el of listElements(list, path, file)) {
    if (el.error !== undefined) yield { kind: 'bad-json', path: el.path, error: el.error };
    else yield* each(el.value, el.path);
  }
}

/** Most `response` wrappers read inside one another (MISP writes one). */
export const MAX_RESPONSE_DEPTH = 4;

function* classify(node: unknown, path: string, file: string, depth = 0): Generator<MispItem> {
  if (!isObject(node)) {
    yield {
      kind: 'not-misp',
      path,
      message: 'expected a MISP event, attribute or object (a JSON object)',
    };
    return;
  }
  if (isObject(node.Event)) yield { kind: 'event', node: node.Event, path: `${path}.Event` };
  else if ('response' in node && depth >= MAX_RESPONSE_DEPTH)
    yield {
      kind: 'not-misp',
      path: `${path}.response`,
      message: `"response" nested more than ${MAX_RESPONSE_DEPTH} deep; not read`,
    };
  else if ('response' in node) yield* classifyResponse(node.response, `${path}.response`, file, depth + 1);
  else if (isObject(node.Object) && !hasEventMembers(node))
    yield { kind: 'object', node: node.Object, path: `${path}.Object` };
  else if (isObject(node.Attribute) && !hasEventMembers(node) && !('Object' in node))
    yield { kind: 'attribute', node: node.Attribute, path: `${path}.Attribute` };
  else if (Array.isArray(node.Attribute) && Object.keys(node).length === 1)
    yield* elementsOf(node.Attribute, `${path}.Attribute`, file, (a, at) => [attributeItem(a, at)]);
  else if (looksLikeObject(node)) yield { kind: 'object', node, path };
  else if (looksLikeAttribute(node)) yield { kind: 'attribute', node, path };
  else if (looksLikeEvent(node)) yield { kind: 'event', node, path };
  else if (looksLikeManifest(node)) yield { kind: 'manifest', events: Object.keys(node).length, path };
  else yield { kind: 'not-misp', path, message: 'no Event, Attribute, Object or response member' };
}

function attributeItem(a: unknown, path: string): MispItem {
  return isObject(a)
    ? { kind: 'attribute', node: a, path }
    : { kind: 'not-misp', path, message: 'attribute is not a JSON object' };
}

function* classifyResponse(
  response: unknown,
  path: string,
  file: string,
  depth: number,
): Generator<MispItem> {
  if (Array.isArray(response))
    yield* elementsOf(response, path, file, (r, at) => classify(r, at, file, depth));
  else if (isObject(response)) yield* classify(response, path, file, depth);
  else yield { kind: 'not-misp', path, message: '"response" is neither a list nor an object' };
}
