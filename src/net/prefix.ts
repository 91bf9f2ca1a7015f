/**
 * CIDR prefixes: parsing, NLRI-style decoding, containment, ordering, sizes, and splitting
 * address ranges (RIR delegated files) into CIDR blocks.
 */
import { ParseError } from '../errors/index.js';
import type { IpAddress, IpFamily } from './address.js';
import { compareBytes, makeAddress, parseAddressOrReason } from './address.js';
import { formatIPv4, formatIPv6 } from './format.js';
import { quoteInput } from './quote.js';

/** Longest text a valid prefix can have: a 45-character address, "/" and 3 digits. */
const MAX_PREFIX_TEXT = 49;

/** Bits in an address of the family. */
export function familyBits(family: IpFamily): 32 | 128 {
  return family === 4 ? 32 : 128;
}

/** Zeroes every bit of `bytes` past the first `length` bits. */
function maskBytes(bytes: Uint8Array, length: number): void {
  const full = length >>> 3;
  const rest = length & 7;
  let i = full;
  if (rest !== 0) {
    bytes[i] &= (0xff00 >> rest) & 0xff;
    i++;
  }
  bytes.fill(0, i);
}

/** True when `bytes` has a 1 bit past the first `length` bits. */
function hasHostBits(bytes: Uint8Array, length: number): boolean {
  const full = length >>> 3;
  const rest = length & 7;
  let i = full;
  if (rest !== 0) {
    if ((bytes[i] & (0xff >> rest)) !== 0) return true;
    i++;
  }
  for (; i < bytes.length; i++) if (bytes[i] !== 0) return true;
  return false;
}

/** True when the first `length` bits of `a` and `b` are equal. */
function sameLeadingBits(a: Uint8Array, b: Uint8Array, length: number): boolean {
  const full = length >>> 3;
  for (let i = 0; i < full; i++) if (a[i] !== b[i]) return false;
  const rest = length & 7;
  if (rest === 0) return true;
  const mask = (0xff00 >> rest) & 0xff;
  return (a[full] & mask) === (b[full] & mask);
}

/**
 * An IPv4 or IPv6 CIDR prefix. The network bytes always have every bit past `length` zeroed, so
 * two prefixes for the same network are equal byte for byte.
 */
export class Prefix {
  readonly family: IpFamily;
  /** Network address, 4 or 16 bytes, bits past `length` zeroed. */
  readonly bytes: Uint8Array;
  readonly length: number;

  /** Internal: takes ownership of `bytes`, which must already be masked. Use the static factories. */
  private constructor(family: IpFamily, bytes: Uint8Array, length: number) {
    this.family = family;
    this.bytes = bytes;
    this.length = length;
  }

  /**
   * Parses `a.b.c.d/n` or `x::/n`; a bare address is a host route (/32 or /128). By default bits
   * set past the mask are cleared; with `strict: true` they are an error `NET_HOST_BITS_SET`.
   * Any other problem is a ParseError `NET_BAD_PREFIX`.
   */
  static parse(text: string, options?: { strict?: boolean }): Prefix {
    if (typeof text !== 'string') throw badPrefix(text, 'not a string');
    if (text.length === 0) throw badPrefix(text, 'empty');
    if (text.length > MAX_PREFIX_TEXT)
      throw badPrefix(text, `too long (${text.length} characters) to be a prefix`);
    const slash = text.indexOf('/');
    const addressText = slash === -1 ? text : text.slice(0, slash);
    const address = parseAddressOrReason(addressText);
    if (typeof address === 'string') throw badPrefix(text, `address part: ${address}`);
    const bits = familyBits(address.family);
    let length: number = bits;
    if (slash !== -1) {
      const lengthText = text.slice(slash + 1);
      if (!/^(0|[1-9][0-9]{0,2})$/.test(lengthText)) {
        throw badPrefix(
          text,
          'the length after "/" must be a decimal number without sign, spaces or leading zeros',
        );
      }
      length = Number(lengthText);
      if (length > bits) throw badPrefix(text, `length ${length} is above ${bits} for IPv${address.family}`);
    }
    const bytes = address.bytes;
    if (hasHostBits(bytes, length)) {
      if (options?.strict === true) {
        throw new ParseError(
          'NET_HOST_BITS_SET',
          `prefix ${quoteInput(text)} has bits set past its /${length} mask`,
          {
            field: 'prefix',
          },
        );
      }
      maskBytes(bytes, length);
    }
    return new Prefix(address.family, bytes, length);
  }

  /**
   * Decodes a prefix packed NLRI-style: `ceil(length / 8)` bytes of network address at `offset`.
   * Trailing bits past `length` are cleared. Throws ParseError `NET_BAD_PREFIX` (with the offset)
   * if the length is above the family's bits or the bytes run past the end of `bytes`.
   */
  static fromBytes(family: IpFamily, bytes: Uint8Array, offset: number, length: number): Prefix {
    const bits = family === 4 ? 32 : 128;
    if (!(length >= 0 && length <= bits && Number.isInteger(length))) {
      throw new ParseError(
        'NET_BAD_PREFIX',
        `prefix length ${length} is not in 0..${bits} for IPv${family}`,
        {
          offset,
          field: 'prefix',
        },
      );
    }
    const count = (length + 7) >>> 3;
    if (!(offset >= 0 && offset + count <= bytes.length)) {
      throw new ParseError(
        'NET_BAD_PREFIX',
        `prefix /${length} needs ${count} bytes at offset ${offset} but only ${Math.max(0, bytes.length - offset)} remain`,
        { offset, field: 'prefix' },
      );
    }
    const network = new Uint8Array(bits >>> 3);
    for (let i = 0; i < count; i++) network[i] = bytes[offset + i];
    const rest = length & 7;
    if (rest !== 0) network[count - 1] &= (0xff00 >> rest) & 0xff;
    return new Prefix(family, network, length);
  }

  /** The prefix of `length` bits containing `address` (host bits cleared). */
  static fromAddress(address: IpAddress, length: number): Prefix {
    const bits = familyBits(address.family);
    if (!(Number.isInteger(length) && length >= 0 && length <= bits)) {
      throw new ParseError(
        'NET_BAD_PREFIX',
        `prefix length ${length} is not in 0..${bits} for IPv${address.family}`,
        {
          field: 'prefix',
        },
      );
    }
    const bytes = address.bytes.slice();
    maskBytes(bytes, length);
    return new Prefix(address.family, bytes, length);
  }

  /**
   * The IPv4 prefix of `length` bits (0..32) containing the address `network` (a 32-bit unsigned
   * number, host bits cleared): for callers that hold addresses as numbers.
   */
  static fromIPv4(network: number, length: number): Prefix {
    if (!(Number.isInteger(length) && length >= 0 && length <= 32)) {
      throw new ParseError('NET_BAD_PREFIX', `prefix length ${length} is not in 0..32 for IPv4`, {
        field: 'prefix',
      });
    }
    const masked = length === 0 ? 0 : network & (0xffffffff << (32 - length));
    const bytes = new Uint8Array(4);
    bytes[0] = masked >>> 24;
    bytes[1] = masked >>> 16;
    bytes[2] = masked >>> 8;
    bytes[3] = masked;
    return new Prefix(4, bytes, length);
  }

  /** The network address (first address) of the prefix. */
  get network(): IpAddress {
    return makeAddress(this.family, this.bytes.slice());
  }

  /** Network address (canonical text), "/", length. */
  toString(): string {
    return (this.family === 4 ? formatIPv4(this.bytes, 0) : formatIPv6(this.bytes, 0)) + '/' + this.length;
  }

  /** True when `other` (an address, or a prefix of the same or greater length) lies inside this prefix. */
  contains(other: Prefix | IpAddress): boolean {
    if (other.family !== this.family) return false;
    if (other instanceof Prefix && other.length < this.length) return false;
    return sameLeadingBits(this.bytes, other.bytes, this.length);
  }

  equals(other: Prefix): boolean {
    return (
      this.family === other.family &&
      this.length === other.length &&
      compareBytes(this.bytes, other.bytes) === 0
    );
  }

  /** IPv4 before IPv6, then by network address, then shorter (covering) before longer. */
  compare(other: Prefix): number {
    if (this.family !== other.family) return this.family - other.family;
    const byNetwork = compareBytes(this.bytes, other.bytes);
    return byNetwork !== 0 ? byNetwork : this.length - other.length;
  }

  /** Number of addresses in the prefix. */
  get size(): bigint {
    return 1n << BigInt(familyBits(this.family) - this.length);
  }

  /** Size in /24 equivalents (an IPv4 /25 is 0.5); 0 for an IPv6 prefix, which holds no IPv4 space. */
  slash24s(): number {
    return this.family === 4 ? 2 ** (24 - this.length) : 0;
  }

  /** Size in /48 equivalents (an IPv6 /32 is 65536); 0 for an IPv4 prefix, which holds no IPv6 space. */
  slash48s(): number {
    return this.family === 6 ? 2 ** (48 - this.length) : 0;
  }
}

function badPrefix(text: unknown, reason: string): ParseError {
  return new ParseError('NET_BAD_PREFIX', `not a CIDR prefix: ${quoteInput(text)}: ${reason}`, {
    field: 'prefix',
  });
}

/** Same as `Prefix.parse`. */
export function parsePrefix(text: string, options?: { strict?: boolean }): Prefix {
  return Prefix.parse(text, options);
}

function addressToBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = 0; i < bytes.length; i++) value = (value << 8n) | BigInt(bytes[i]);
  return value;
}

function bigIntToBytes(value: bigint, byteCount: number): Uint8Array {
  const bytes = new Uint8Array(byteCount);
  for (let i = byteCount - 1; i >= 0; i--) {
    bytes[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return bytes;
}

/** Index of the highest set bit (floor(log2(value))) of a positive bigint. */
function highestBit(value: bigint): number {
  return value.toString(2).length - 1;
}

/** Number of trailing zero bits of `value`, at most `bits`. */
function trailingZeros(value: bigint, bits: number): number {
  if (value === 0n) return bits;
  let n = 0;
  while ((value & 1n) === 0n) {
    value >>= 1n;
    n++;
  }
  return n;
}

/**
 * Splits the range of `count` addresses starting at `start` (as RIR delegated files state
 * allocations) into the fewest CIDR prefixes, in address order. A count of 0 gives no prefix.
 * Throws ParseError `NET_BAD_RANGE` for a count that is negative or not an integer, or a range
 * running past the end of the address space.
 */
export function rangeToPrefixes(start: IpAddress, count: bigint | number): Prefix[] {
  let remaining: bigint;
  if (typeof count === 'bigint') remaining = count;
  else if (Number.isSafeInteger(count)) remaining = BigInt(count);
  else
    throw new ParseError('NET_BAD_RANGE', `address count ${String(count)} is not an integer`, {
      field: 'count',
    });
  if (remaining < 0n) {
    throw new ParseError('NET_BAD_RANGE', `address count ${remaining} is negative`, { field: 'count' });
  }
  const bits = familyBits(start.family);
  let current = addressToBigInt(start.bytes);
  const end = current + remaining; // one past the last address
  if (end > 1n << BigInt(bits)) {
    throw new ParseError(
      'NET_BAD_RANGE',
      `range of ${remaining} addresses from ${start.family === 4 ? formatIPv4(start.bytes, 0) : formatIPv6(start.bytes, 0)} runs past the end of the IPv${start.family} address space`,
      { field: 'count' },
    );
  }
  const prefixes: Prefix[] = [];
  while (remaining > 0n) {
    const blockBits = Math.min(trailingZeros(current, bits), highestBit(remaining));
    prefixes.push(
      Prefix.fromAddress(makeAddress(start.family, bigIntToBytes(current, bits >>> 3)), bits - blockBits),
    );
    const blockSize = 1n << BigInt(blockBits);
    current += blockSize;
    remaining -= blockSize;
  }
  return prefixes;
}
