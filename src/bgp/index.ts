/**
 * BGP-4 wire format: messages (RFC 4271) and path attributes with their extensions (RFC 4760
 * MP-BGP, 6793 4-byte ASNs, 7911 ADD-PATH, 1997/4360/8092 communities, 7606 error handling).
 *
 * @example
 * const attributes = new PathAttributes().decode(bytes, start, end, 4, false);
 * attributes.asPathText(); // "3356 4837 131279"
 */
export * from './constants.js';
export {
  PathAttributes,
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
