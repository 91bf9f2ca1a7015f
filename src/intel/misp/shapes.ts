/**
 * The shapes a MISP document comes in, told apart: `{"Event": …}`, `{"response": [...]}` (search
 * results), a bare event as PyMISP writes it (`MISPEvent.to_json()`), a list of events, a lone
 * attribute or object (bare or as `{"Attribute": …}` / `{"Object": …}`), and a feed's
 * `manifest.json` (event uuid -> event summary).
 */

export type Json = Record<string, unknown>;

/** One thing found in a MISP document, with its JSON path. */
export type MispItem =
  | { kind: 'event'; node: Json; path: string }
  | { kind: 'attribute'; node: Json; path: string }
  | { kind: 'object'; node: Json; path: string }
  | { kind: 'manifest'; events: number; path: string }
  | { kind: 'not-misp'; path: string; message: string };

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

/** Every event, attribute and object of a parsed MISP document, in document order. */
export function mispItems(doc: unknown): MispItem[] {
  const out: MispItem[] = [];
  if (Array.isArray(doc)) doc.forEach((d, i) => classify(d, `$[${i}]`, out));
  else classify(doc, '$', out);
  return out;
}

function classify(node: unknown, path: string, out: MispItem[]): void {
  if (!isObject(node)) {
    out.push({
      kind: 'not-misp',
      path,
      message: 'expected a MISP event, attribute or object (a JSON object)',
    });
    return;
  }
  if (isObject(node.Event)) out.push({ kind: 'event', node: node.Event, path: `${path}.Event` });
  else if ('response' in node) classifyResponse(node.response, `${path}.response`, out);
  else if (isObject(node.Object) && !hasEventMembers(node))
    out.push({ kind: 'object', node: node.Object, path: `${path}.Object` });
  else if (isObject(node.Attribute) && !hasEventMembers(node) && !('Object' in node))
    out.push({ kind: 'attribute', node: node.Attribute, path: `${path}.Attribute` });
  else if (Array.isArray(node.Attribute) && Object.keys(node).length === 1)
    node.Attribute.forEach((a, i) => out.push(attributeItem(a, `${path}.Attribute[${i}]`)));
  else if (looksLikeObject(node)) out.push({ kind: 'object', node, path });
  else if (looksLikeAttribute(node)) out.push({ kind: 'attribute', node, path });
  else if (looksLikeEvent(node)) out.push({ kind: 'event', node, path });
  else if (looksLikeManifest(node)) out.push({ kind: 'manifest', events: Object.keys(node).length, path });
  else out.push({ kind: 'not-misp', path, message: 'no Event, Attribute, Object or response member' });
}

function attributeItem(a: unknown, path: string): MispItem {
  return isObject(a)
    ? { kind: 'attribute', node: a, path }
    : { kind: 'not-misp', path, message: 'attribute is not a JSON object' };
}

function classifyResponse(response: unknown, path: string, out: MispItem[]): void {
  if (Array.isArray(response)) response.forEach((r, i) => classify(r, `${path}[${i}]`, out));
  else if (isObject(response)) classify(response, path, out);
  else out.push({ kind: 'not-misp', path, message: '"response" is neither a list nor an object' });
}
