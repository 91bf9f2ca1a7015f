/**
 * routing: the routing state built from MRT archives. `RoutingTable` holds the current route of
 * every (prefix, peer, ADD-PATH id) — AS path and attributes — replayed from TABLE_DUMP,
 * TABLE_DUMP_V2 RIB dumps and BGP4MP update files in the order given (a peer whose session leaves
 * Established loses its routes). Attribute sets are stored once as wire bytes and decoded on
 * first use into AS paths and attribute words interned in Uint32Array pools; a route is a few
 * typed-array cells. Changes are published as events (announce, withdraw,
 * peer-down) for detectors that consume the same stream; queries give the routes and the peers
 * that see a prefix now, and the longest matching prefix of an address. Scans go through the read
 * API, never the storage: `forEachRoute` (ids of every route, no allocation), `paths.read` (the ASes
 * of a path into a reusable `PathHops`), `sortPrefixIds`. `VisibilitySeries` keeps,
 * for the prefixes a caller selects, which peers see each one and every change with its time.
 *
 * The module does no I/O: it is handed elements (a `scanMrt` visitor, or plain `MrtElement`s).
 *
 * @example
 * import { scanMrt } from '../mrt/index.js';
 * import { RoutingTable } from '../routing/index.js';
 * import { parseAddress, parsePrefix } from '../net/index.js';
 * const table = new RoutingTable();
 * table.onEvent((event) => { if (event.kind === 'peer-down') console.log(event.peerId); });
 * await scanMrt('rib.20140523.0600.bz2', table.visitor());
 * table.visibility(parsePrefix('175.45.176.0/24')); // [{ id, family, address, asn }, ...]
 * table.longestMatch(parseAddress('175.45.178.1'))?.routes[0].attributes.asPathText; // '... 4837 131279'
 */
export {
  ESTABLISHED,
  RoutingTable,
  type PeerInfo,
  type Route,
  type RouteAttributes,
  type RouteEvent,
  type RouteEventKind,
  type RouteListener,
  type RouteVisitor,
  type TableMemory,
} from './table.js';
export {
  LOST,
  LOST_BY_PEER_DOWN,
  SEEN,
  VisibilitySeries,
  type VisibilityColumns,
  type VisibilityRowListener,
  type VisibilitySeriesOptions,
} from './visibility.js';
export { AsPaths, PathHops } from './paths.js';
