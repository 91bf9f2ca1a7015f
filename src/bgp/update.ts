/**
 * The one UPDATE walker (RFC 4271 4.3, RFC 4760, RFC 7911), shared by live sessions
 * (`decodeUpdateBody` in message.ts) and archives (mrt's BGP4MP and legacy BGP records).
 *
 * `walkUpdate` lays an UPDATE body out (withdrawn routes, path attributes, NLRI), has the visitor
 * decode the attribute block, then hands it the route fields in the order every consumer uses:
 * withdrawals (classic field, then MP_UNREACH_NLRI), then announcements (classic NLRI, then
 * MP_REACH_NLRI). `walkNlri` reads one field of prefixes into a sink. Neither allocates: what is
 * built from the prefixes (elements, plain objects) is the visitor's business.
 *
 * @example
 * walkUpdate(buf, bodyStart, messageEnd, UpdateFraming.Session, visitor);
 */
import type { BgpErrorCode } from '../errors/index.js';
import type { PathAttributes } from './attributes.js';

/** How a malformed layout is handled. */
export const UpdateFraming = {
  /** RFC 7606 4: a length that runs past the message ends the UPDATE (the session is reset). */
  Session: 0,
  /** Archives: lengths that run past the message are cut to it and what remains is read. */
  Archive: 1,
} as const;
export type UpdateFraming = (typeof UpdateFraming)[keyof typeof UpdateFraming];

/** Which of the two route lists a field belongs to. */
export const RouteKind = { Withdrawn: 0, Announced: 1 } as const;
export type RouteKind = (typeof RouteKind)[keyof typeof RouteKind];

export interface UpdateVisitor {
  /** A malformation of the UPDATE's layout (codes BGP_BAD_UPDATE_LENGTH, BGP_TRUNCATED_MESSAGE...). */
  updateProblem(code: BgpErrorCode, message: string, at: number): void;
  /** Decodes the path attribute block `buf[start, end)`; MP_(UN)REACH_NLRI locate the MP fields. */
  attributes(buf: Uint8Array, start: number, end: number): PathAttributes;
  /** One field of routes: `mp` says whether it came from MP_REACH/MP_UNREACH_NLRI. */
  routes(kind: RouteKind, afi: number, safi: number, start: number, end: number, mp: boolean): void;
  /** MP_REACH_NLRI in the abbreviated RIB form (RFC 6396 4.3.4), which an UPDATE may not carry. */
  abbreviatedMpReach?(attributes: PathAttributes): void;
}

/**
 * Walks the UPDATE body `buf[start, end)` (after the 19-byte header). Returns the attributes
 * decoded by the visitor, or undefined when the layout stopped the walk before them.
 */
export function walkUpdate(
  buf: Uint8Array,
  start: number,
  end: number,
  framing: UpdateFraming,
  visitor: UpdateVisitor,
): PathAttributes | undefined {
  const session = framing === UpdateFraming.Session;
  if (end - start < (session ? 4 : 2)) {
    visitor.updateProblem(
      session ? 'BGP_BAD_UPDATE_LENGTH' : 'BGP_TRUNCATED_MESSAGE',
      `UPDATE body of ${end - start} bytes is below ${session ? 4 : 2}`,
      start,
    );
    return undefined;
  }
  const withdrawnLength = (buf[start] << 8) | buf[start + 1];
  const withdrawnStart = start + 2;
  let withdrawnEnd = withdrawnStart + withdrawnLength;
  if (withdrawnEnd + (session ? 2 : 0) > end) {
    visitor.updateProblem(
      'BGP_BAD_WITHDRAWN_LENGTH',
      `withdrawn routes length ${withdrawnLength} runs past the message`,
      start,
    );
    if (session) return undefined;
    withdrawnEnd = end;
  }
  let attributesEnd = withdrawnEnd;
  let attributes: PathAttributes | undefined;
  if (withdrawnEnd + 2 <= end) {
    const attributesLength = (buf[withdrawnEnd] << 8) | buf[withdrawnEnd + 1];
    attributesEnd = withdrawnEnd + 2 + attributesLength;
    if (attributesEnd > end) {
      visitor.updateProblem(
        'BGP_BAD_ATTRIBUTE_LENGTH',
        `total path attribute length ${attributesLength} runs past the message`,
        withdrawnEnd,
      );
      if (session) return undefined;
      attributesEnd = end;
    }
    attributes = visitor.attributes(buf, withdrawnEnd + 2, attributesEnd);
  } else if (withdrawnEnd < end) {
    visitor.updateProblem(
      'BGP_TRUNCATED_MESSAGE',
      'UPDATE too short for its path-attributes length',
      withdrawnEnd,
    );
  }

  if (withdrawnEnd > withdrawnStart)
    visitor.routes(RouteKind.Withdrawn, 1, 1, withdrawnStart, withdrawnEnd, false);
  if (attributes !== undefined && attributes.hasMpUnreach) {
    const mp = attributes.mpUnreach;
    visitor.routes(RouteKind.Withdrawn, mp.afi, mp.safi, mp.nlriStart, mp.nlriEnd, true);
  }
  if (attributesEnd < end) visitor.routes(RouteKind.Announced, 1, 1, attributesEnd, end, false);
  if (attributes !== undefined && attributes.hasMpReach) {
    const mp = attributes.mpReach;
    if (mp.abbreviated) visitor.abbreviatedMpReach?.(attributes);
    else visitor.routes(RouteKind.Announced, mp.afi, mp.safi, mp.nlriStart, mp.nlriEnd, true);
  }
  return attributes;
}

/** Why `walkNlri` stopped before the end of its field. */
export const NlriProblem = {
  /** An ADD-PATH path identifier and length byte do not fit. */
  PathIdTruncated: 0,
  /** A prefix length above the family's address width. */
  LengthTooLong: 1,
  /** A prefix's bytes run past the field. */
  Truncated: 2,
} as const;
export type NlriProblem = (typeof NlriProblem)[keyof typeof NlriProblem];

export interface NlriSink {
  /**
   * One prefix: `length` bits whose `bytes` bytes start at `buf[at]`; `pathId` is meaningful only
   * when the walk was asked for ADD-PATH.
   */
  prefix(buf: Uint8Array, at: number, bytes: number, length: number, pathId: number): void;
  /**
   * The malformation that ends the field; `at` is the offset of the path identifier
   * (PathIdTruncated) or of the length byte, `remaining` the bytes left after the length byte.
   */
  nlriProblem(kind: NlriProblem, at: number, length: number, remaining: number): void;
}

/**
 * Reads the prefixes of one NLRI field `buf[start, end)` of an address family `bits` wide
 * (32 or 128), each preceded by a 4-byte path identifier when `addPath` (RFC 7911). A malformed
 * prefix ends the field (RFC 7606 5.3). Returns `end` when the field was read whole, else the
 * offset of the malformed prefix (of its path identifier with ADD-PATH).
 */
export function walkNlri(
  buf: Uint8Array,
  start: number,
  end: number,
  bits: number,
  addPath: boolean,
  sink: NlriSink,
): number {
  let p = start;
  let pathId = 0;
  while (p < end) {
    const at = p;
    if (addPath) {
      if (p + 5 > end) {
        sink.nlriProblem(NlriProblem.PathIdTruncated, at, 0, end - p);
        return at;
      }
      pathId = ((buf[p] << 24) | (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3]) >>> 0;
      p += 4;
    }
    const length = buf[p];
    const bytes = (length + 7) >>> 3;
    if (length > bits) {
      sink.nlriProblem(NlriProblem.LengthTooLong, p, length, end - p - 1);
      return at;
    }
    if (p + 1 + bytes > end) {
      sink.nlriProblem(NlriProblem.Truncated, p, length, end - p - 1);
      return at;
    }
    sink.prefix(buf, p + 1, bytes, length, pathId);
    p += 1 + bytes;
  }
  return end;
}
