/** BGP protocol numbers (RFC 4271 and the RFCs that extend it). */

export const BgpMessageType = {
  OPEN: 1,
  UPDATE: 2,
  NOTIFICATION: 3,
  KEEPALIVE: 4,
  ROUTE_REFRESH: 5,
} as const;

export const BGP_MARKER_LENGTH = 16;
export const BGP_HEADER_LENGTH = 19;
/** Largest message without RFC 8654 extended messages. */
export const BGP_MAX_MESSAGE_LENGTH = 4096;
/** Largest message when both speakers announced the extended message capability (RFC 8654). */
export const BGP_MAX_EXTENDED_MESSAGE_LENGTH = 65535;

/** Capability codes (IANA "Capability Codes"). */
export const CapabilityCode = {
  MULTIPROTOCOL: 1,
  ROUTE_REFRESH: 2,
  EXTENDED_MESSAGE: 6,
  GRACEFUL_RESTART: 64,
  FOUR_OCTET_AS: 65,
  ADD_PATH: 69,
  ENHANCED_ROUTE_REFRESH: 70,
} as const;

/** NOTIFICATION error codes (RFC 4271 4.5, RFC 6608, RFC 7313). */
export const NotificationCode = {
  MESSAGE_HEADER: 1,
  OPEN_MESSAGE: 2,
  UPDATE_MESSAGE: 3,
  HOLD_TIMER_EXPIRED: 4,
  FSM: 5,
  CEASE: 6,
  ROUTE_REFRESH: 7,
} as const;

/** Path attribute type codes (IANA "BGP Path Attributes"). */
export const AttrType = {
  ORIGIN: 1,
  AS_PATH: 2,
  NEXT_HOP: 3,
  MULTI_EXIT_DISC: 4,
  LOCAL_PREF: 5,
  ATOMIC_AGGREGATE: 6,
  AGGREGATOR: 7,
  COMMUNITIES: 8,
  ORIGINATOR_ID: 9,
  CLUSTER_LIST: 10,
  MP_REACH_NLRI: 14,
  MP_UNREACH_NLRI: 15,
  EXTENDED_COMMUNITIES: 16,
  AS4_PATH: 17,
  AS4_AGGREGATOR: 18,
  LARGE_COMMUNITIES: 32,
} as const;

/** Attribute flag bits (RFC 4271 section 4.3). */
export const AttrFlag = {
  OPTIONAL: 0x80,
  TRANSITIVE: 0x40,
  PARTIAL: 0x20,
  EXTENDED_LENGTH: 0x10,
} as const;

export const Afi = { IPV4: 1, IPV6: 2 } as const;
export const Safi = { UNICAST: 1, MULTICAST: 2, UNICAST_MULTICAST: 3 } as const;

/** AS_PATH segment types (RFC 4271, RFC 5065). */
export const SegmentType = { AS_SET: 1, AS_SEQUENCE: 2, AS_CONFED_SEQUENCE: 3, AS_CONFED_SET: 4 } as const;

/** AS_TRANS (RFC 6793): the 2-byte placeholder for a 4-byte ASN. */
export const AS_TRANS = 23456;

export const WELL_KNOWN_COMMUNITIES: Readonly<Record<number, string>> = {
  0xffffff01: 'no-export',
  0xffffff02: 'no-advertise',
  0xffffff03: 'local-AS',
};

/** BGP finite-state-machine states as MRT STATE_CHANGE records number them (RFC 6396 4.4.1). */
export const BGP_STATE_NAMES = [
  'Unknown',
  'Idle',
  'Connect',
  'Active',
  'OpenSent',
  'OpenConfirm',
  'Established',
] as const;
