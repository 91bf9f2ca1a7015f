/**
 * BGP-4 wire format: messages (RFC 4271) and path attributes with their extensions (RFC 4760
 * MP-BGP, 6793 4-byte ASNs, 7911 ADD-PATH, 1997/4360/8092 communities, 7606 error handling).
 *
 * @example
 * const attributes = new PathAttributes().decode(bytes, start, end, 4, false);
 * formatAsPath(attributes.asPath() ?? []); // "3356 4837 131279" (bgpdump's own text: mrt)
 *
 * The passive BGP collector is a sub-module with its own public surface, `bgp/collector/index.ts`,
 * so that decoding does not load the collector's dependencies (pino, zod, node:net). The injected
 * clock (`Clock`, `VirtualClock`) does no networking and is here, for the collector, the MRT
 * archive and outage detection alike.
 */
export * from './constants.js';
export { VirtualClock, systemClock, unixTime, type Clock, type Timer, type UnixTime } from './clock.js';
export {
  PathAttributes,
  formatAsPath,
  parseSegments,
  readU16,
  readU32,
  type AsPathSegment,
  type AttributeProblem,
  type MpNlriLocation,
  type Origin,
  type RawAttribute,
  type SegmentKind,
} from './attributes.js';
export {
  NlriProblem,
  RouteKind,
  UpdateFraming,
  walkNlri,
  walkUpdate,
  type NlriSink,
  type UpdateVisitor,
} from './update.js';
export {
  BgpMessageError,
  decodeBgpMessage,
  decodeUpdateBody,
  encodeKeepalive,
  encodeNotification,
  encodeOpen,
  encodeRouteRefresh,
  encodeUpdate,
  negotiateSession,
  notificationCodeName,
  notificationSubcodeName,
  readBgpHeader,
  type AddPathFamily,
  type AfiSafi,
  type BgpHeader,
  type BgpKeepalive,
  type BgpMessage,
  type BgpNotification,
  type BgpOpen,
  type BgpRouteRefresh,
  type BgpUpdate,
  type Capability,
  type DecodeOptions,
  type FamilyPrefixes,
  type NlriPrefix,
  type NotificationSpec,
  type OpenSpec,
  type SessionOptions,
  type UpdateAttributes,
  type UpdateOutcome,
  type UpdateProblem,
  type UpdateSpec,
} from './message.js';
