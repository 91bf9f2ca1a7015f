/**
 * Codes raised by bgp/ (the message codec) and by mrt/ when it decodes the BGP messages an MRT
 * record carries. Where RFC 7606 applies, the message says what was done (attribute discarded,
 * treat as withdraw, session reset) and decoding goes on.
 */
import type { CodeSpec } from '../category.js';

const MALFORMED_ATTRIBUTE_ACTION =
  'Nothing to do for archived data: the attribute is handled as RFC 7606 says (see the message). On a live session, report it to the peer operator.';
const MALFORMED_MESSAGE_ACTION =
  'Check that the file or session is really BGP; if it is, the message is damaged and is skipped (in an archive) or the session is reset (live).';

export const BGP_CODES = {
  BGP_BAD_MARKER: {
    category: 'input',
    description: 'The 16-byte marker that starts every BGP message is not all ones.',
    action: MALFORMED_MESSAGE_ACTION,
  },
  BGP_BAD_TYPE: {
    category: 'input',
    description: 'The BGP message type is not one RFC 4271 or a later RFC defines.',
    action: MALFORMED_MESSAGE_ACTION,
  },
  BGP_BAD_LENGTH: {
    category: 'input',
    description: 'The BGP message length is below the 19-byte header or outside the bounds for its type.',
    action: MALFORMED_MESSAGE_ACTION,
  },
  BGP_TRUNCATED_MESSAGE: {
    category: 'input',
    description:
      'A BGP message, or a field inside it, ends before its declared length (cut by the buffer or the MRT record).',
    action: 'The message is skipped; if it happens on every record, the file is cut or not MRT/BGP at all.',
  },
  BGP_BAD_OPEN: {
    category: 'input',
    description:
      'An OPEN message breaks RFC 4271: unsupported version, hold time below 3 s, BGP identifier 0.0.0.0, or optional parameters that do not fit the message.',
    action: 'Fix the peer configuration (BGP version 4, hold time 0 or >= 3 s, a non-zero router id).',
  },
  BGP_BAD_CAPABILITY: {
    category: 'input',
    description: 'A capability in an OPEN message has a length or value its RFC does not allow.',
    action: 'Report it to the peer operator; the session is refused with an OPEN error NOTIFICATION.',
  },
  BGP_BAD_ROUTE_REFRESH: {
    category: 'input',
    description: 'A ROUTE-REFRESH message is not 23 bytes long (RFC 2918).',
    action: MALFORMED_MESSAGE_ACTION,
  },
  BGP_BAD_UPDATE_LENGTH: {
    category: 'input',
    description: 'An UPDATE body is shorter than its two 2-byte length fields.',
    action: MALFORMED_MESSAGE_ACTION,
  },
  BGP_BAD_WITHDRAWN_LENGTH: {
    category: 'input',
    description: 'The withdrawn-routes length of an UPDATE runs past the message.',
    action: MALFORMED_MESSAGE_ACTION,
  },
  BGP_BAD_ATTRIBUTE_LENGTH: {
    category: 'input',
    description: 'The total path-attribute length of an UPDATE runs past the message.',
    action: MALFORMED_MESSAGE_ACTION,
  },
  BGP_BAD_NLRI: {
    category: 'input',
    description:
      'An NLRI field of an UPDATE holds a prefix longer than its family allows or one that runs past the field.',
    action: MALFORMED_MESSAGE_ACTION,
  },
  BGP_BAD_PREFIX_LENGTH: {
    category: 'input',
    description:
      'An NLRI prefix length in a BGP message read from MRT exceeds 32 (IPv4) or 128 (IPv6); the rest of the field is skipped.',
    action: MALFORMED_ATTRIBUTE_ACTION,
  },
  BGP_TRUNCATED_NLRI: {
    category: 'input',
    description:
      'An NLRI prefix (or its ADD-PATH path id) in a BGP message read from MRT runs past its field.',
    action:
      'If every UPDATE of a file reports it, the ADD-PATH setting is wrong for the file (RFC 8050 subtypes say whether path ids are present); otherwise the message is damaged.',
  },
  BGP_ATTR_TRUNCATED: {
    category: 'input',
    description: 'A path attribute header (flags, type, length) runs past the end of the attribute block.',
    action: MALFORMED_ATTRIBUTE_ACTION,
  },
  BGP_ATTR_LENGTH: {
    category: 'input',
    description: 'A path attribute declares more bytes than remain in the attribute block.',
    action: MALFORMED_ATTRIBUTE_ACTION,
  },
  BGP_ATTR_FLAGS: {
    category: 'input',
    description: 'A well-known attribute has optional/transitive flag bits that RFC 4271 does not give it.',
    action: MALFORMED_ATTRIBUTE_ACTION,
  },
  BGP_ATTR_DUPLICATE: {
    category: 'input',
    description: 'An attribute appears more than once in one UPDATE; the first copy is kept (RFC 7606 3(g)).',
    action: MALFORMED_ATTRIBUTE_ACTION,
  },
  BGP_ATTR_MISSING: {
    category: 'input',
    description:
      'An UPDATE that announces routes lacks a well-known mandatory attribute (ORIGIN, AS_PATH, NEXT_HOP).',
    action: MALFORMED_ATTRIBUTE_ACTION,
  },
  BGP_ATTR_ORIGIN: {
    category: 'input',
    description: 'ORIGIN is not 1 byte long, or its value is not IGP (0), EGP (1) or INCOMPLETE (2).',
    action: MALFORMED_ATTRIBUTE_ACTION,
  },
  BGP_ATTR_AS_PATH: {
    category: 'input',
    description: 'AS_PATH has an unknown segment type or a segment that runs past the attribute.',
    action: MALFORMED_ATTRIBUTE_ACTION,
  },
  BGP_ATTR_AS4_PATH: {
    category: 'input',
    description: 'AS4_PATH is malformed and is discarded (RFC 6793); the AS_PATH is used alone.',
    action: MALFORMED_ATTRIBUTE_ACTION,
  },
  BGP_ATTR_NEXT_HOP: {
    category: 'input',
    description: 'NEXT_HOP is not 4 bytes long.',
    action: MALFORMED_ATTRIBUTE_ACTION,
  },
  BGP_ATTR_MED: {
    category: 'input',
    description: 'MULTI_EXIT_DISC is not 4 bytes long.',
    action: MALFORMED_ATTRIBUTE_ACTION,
  },
  BGP_ATTR_LOCAL_PREF: {
    category: 'input',
    description: 'LOCAL_PREF is not 4 bytes long.',
    action: MALFORMED_ATTRIBUTE_ACTION,
  },
  BGP_ATTR_ATOMIC_AGGREGATE: {
    category: 'input',
    description: 'ATOMIC_AGGREGATE is not empty.',
    action: MALFORMED_ATTRIBUTE_ACTION,
  },
  BGP_ATTR_AGGREGATOR: {
    category: 'input',
    description: 'AGGREGATOR has a length other than 6 or 8 bytes for the session AS size.',
    action: MALFORMED_ATTRIBUTE_ACTION,
  },
  BGP_ATTR_AS4_AGGREGATOR: {
    category: 'input',
    description: 'AS4_AGGREGATOR is not 8 bytes long.',
    action: MALFORMED_ATTRIBUTE_ACTION,
  },
  BGP_ATTR_COMMUNITIES: {
    category: 'input',
    description: 'COMMUNITIES is not a whole number of 4-byte communities (RFC 1997).',
    action: MALFORMED_ATTRIBUTE_ACTION,
  },
  BGP_ATTR_EXT_COMMUNITIES: {
    category: 'input',
    description: 'EXTENDED_COMMUNITIES is not a whole number of 8-byte communities (RFC 4360).',
    action: MALFORMED_ATTRIBUTE_ACTION,
  },
  BGP_ATTR_LARGE_COMMUNITIES: {
    category: 'input',
    description: 'LARGE_COMMUNITIES is not a whole number of 12-byte communities (RFC 8092).',
    action: MALFORMED_ATTRIBUTE_ACTION,
  },
  BGP_ATTR_ORIGINATOR_ID: {
    category: 'input',
    description: 'ORIGINATOR_ID is not 4 bytes long.',
    action: MALFORMED_ATTRIBUTE_ACTION,
  },
  BGP_ATTR_CLUSTER_LIST: {
    category: 'input',
    description: 'CLUSTER_LIST is not a whole number of 4-byte cluster ids.',
    action: MALFORMED_ATTRIBUTE_ACTION,
  },
  BGP_ATTR_MP_REACH: {
    category: 'input',
    description:
      'MP_REACH_NLRI is empty, shorter than AFI + SAFI + next-hop length, has a next hop that runs past it, or (in the abbreviated MRT form) does not start with a known AFI.',
    action: MALFORMED_ATTRIBUTE_ACTION,
  },
  BGP_ATTR_MP_UNREACH: {
    category: 'input',
    description: 'MP_UNREACH_NLRI is shorter than its AFI and SAFI.',
    action: MALFORMED_ATTRIBUTE_ACTION,
  },
  BGP_ENCODE: {
    category: 'usage',
    description:
      'A value given to the BGP encoder does not fit its field (a number out of range, a bad address, a value too long).',
    action: 'Fix the value passed to the encoder; the message names the field.',
  },
} as const satisfies Record<string, CodeSpec>;

export type BgpErrorCode = keyof typeof BGP_CODES;
