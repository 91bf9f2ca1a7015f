/** MRT record types and subtypes (RFC 6396, RFC 8050, and the legacy types of RFC 6396 appendix B). */

export const MrtType = {
  /** Legacy (1999-2001 RIPE RIS): BGP messages without BGP4MP framing. */
  BGP: 5,
  TABLE_DUMP: 12,
  TABLE_DUMP_V2: 13,
  BGP4MP: 16,
  BGP4MP_ET: 17,
} as const;

export const TableDumpV2Subtype = {
  PEER_INDEX_TABLE: 1,
  RIB_IPV4_UNICAST: 2,
  RIB_IPV4_MULTICAST: 3,
  RIB_IPV6_UNICAST: 4,
  RIB_IPV6_MULTICAST: 5,
  RIB_GENERIC: 6,
  RIB_IPV4_UNICAST_ADDPATH: 8,
  RIB_IPV4_MULTICAST_ADDPATH: 9,
  RIB_IPV6_UNICAST_ADDPATH: 10,
  RIB_IPV6_MULTICAST_ADDPATH: 11,
  RIB_GENERIC_ADDPATH: 12,
} as const;

export const Bgp4mpSubtype = {
  STATE_CHANGE: 0,
  MESSAGE: 1,
  ENTRY: 2,
  SNAPSHOT: 3,
  MESSAGE_AS4: 4,
  STATE_CHANGE_AS4: 5,
  MESSAGE_LOCAL: 6,
  MESSAGE_AS4_LOCAL: 7,
  MESSAGE_ADDPATH: 8,
  MESSAGE_AS4_ADDPATH: 9,
  MESSAGE_LOCAL_ADDPATH: 10,
  MESSAGE_AS4_LOCAL_ADDPATH: 11,
} as const;

export const LegacyBgpSubtype = {
  NULL: 0,
  UPDATE: 1,
  PREF_UPDATE: 2,
  STATE_CHANGE: 3,
  SYNC: 4,
  OPEN: 5,
  NOTIFY: 6,
  KEEPALIVE: 7,
} as const;

const TYPE_NAMES: Record<number, string> = {
  5: 'BGP',
  12: 'TABLE_DUMP',
  13: 'TABLE_DUMP_V2',
  16: 'BGP4MP',
  17: 'BGP4MP_ET',
};

const SUBTYPE_NAMES: Record<number, Record<number, string>> = {
  5: {
    0: 'NULL',
    1: 'UPDATE',
    2: 'PREF_UPDATE',
    3: 'STATE_CHANGE',
    4: 'SYNC',
    5: 'OPEN',
    6: 'NOTIFY',
    7: 'KEEPALIVE',
  },
  12: { 1: 'AFI_IPv4', 2: 'AFI_IPv6', 3: 'AFI_IPv4_AS4', 4: 'AFI_IPv6_AS4' },
  13: Object.fromEntries(Object.entries(TableDumpV2Subtype).map(([k, v]) => [v, k])),
  16: Object.fromEntries(Object.entries(Bgp4mpSubtype).map(([k, v]) => [v, k])),
  17: Object.fromEntries(Object.entries(Bgp4mpSubtype).map(([k, v]) => [v, k])),
};

/** "TYPE/SUBTYPE" for people and error locations, numbers where the name is unknown. */
export function recordTypeName(type: number, subtype: number): string {
  const typeName = TYPE_NAMES[type] ?? `TYPE_${type}`;
  const subtypeName = SUBTYPE_NAMES[type]?.[subtype] ?? `${subtype}`;
  return `${typeName}/${subtypeName}`;
}
