/** Codes raised by net/: addresses, prefixes, AS numbers. */
import type { CodeSpec } from '../category.js';

export const NET_CODES = {
  NET_BAD_ADDRESS: {
    category: 'input',
    description: 'The text is not an IPv4 or IPv6 address.',
    action: 'Give a dotted-quad IPv4 address (192.0.2.1) or an RFC 5952 IPv6 address (2001:db8::1).',
  },
  NET_BAD_ASN: {
    category: 'input',
    description: 'The value is not an AS number (asplain 0..4294967295, asdot, or AS-prefixed).',
    action: 'Give a 32-bit AS number such as 64500, AS64500 or 1.10.',
  },
  NET_BAD_PREFIX: {
    category: 'input',
    description:
      'The text or bytes are not a CIDR prefix: no slash, a bad address, a length past the family (32 or 128), or bytes that end before the prefix does.',
    action:
      'Give address/length, for example 192.0.2.0/24 or 2001:db8::/32; for decoded data, the record is damaged.',
  },
  NET_BAD_RANGE: {
    category: 'input',
    description:
      'An address range has a count that is not a non-negative integer, or runs past the end of the address space.',
    action: 'Check the start address and the count (as in RIR delegated files).',
  },
  NET_HOST_BITS_SET: {
    category: 'input',
    description:
      'Strict parsing found bits set after the prefix length (192.0.2.1/24), so the text is not the start of a block.',
    action:
      'Give the network address (192.0.2.0/24), or parse without strict mode to have the host bits cleared.',
  },
} as const satisfies Record<string, CodeSpec>;

export type NetErrorCode = keyof typeof NET_CODES;
