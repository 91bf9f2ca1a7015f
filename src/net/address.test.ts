import { describe, expect, it } from 'vitest';
import { ParseError } from '../errors/index.js';
import {
  compareAddresses,
  formatAddress,
  isIPv4Mapped,
  parseAddress,
  tryParseAddress,
  unmapIPv4,
} from './index.js';

function parseError(text: string): ParseError {
  try {
    parseAddress(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ParseError);
    return error as ParseError;
  }
  throw new Error(`parseAddress accepted ${JSON.stringify(text)}`);
}

describe('parseAddress', () => {
  it('parses IPv4 and IPv6 into bytes', () => {
    expect(parseAddress('175.45.176.1')).toEqual({ family: 4, bytes: Uint8Array.of(175, 45, 176, 1) });
    expect(parseAddress('0.0.0.0').bytes).toEqual(new Uint8Array(4));
    expect(parseAddress('255.255.255.255').bytes).toEqual(new Uint8Array(4).fill(255));
    const v6 = parseAddress('2001:DB8::a:1');
    expect(v6.family).toBe(6);
    expect(Array.from(v6.bytes)).toEqual([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a, 0, 1]);
    expect(Array.from(parseAddress('::ffff:1.2.3.4').bytes.slice(10))).toEqual([0xff, 0xff, 1, 2, 3, 4]);
    expect(parseAddress('::').bytes).toEqual(new Uint8Array(16));
  });

  it.each([
    ['', 'empty'],
    ['1.2.3.4.5', 'more than 4'],
    ['256.1.1.1', 'above 255'],
    ['1.2.3', '3 octets'],
    ['010.1.1.1', 'leading zero'],
    ['1.2.3.04', 'leading zero'],
    ['1.2.3.', 'ends with a dot'],
    ['1..2.3', 'empty'],
    [' 1.2.3.4', 'not a decimal'],
    ['1.2.3.4 ', 'unexpected character'],
    [':::', 'empty'],
    ['1::2::3', 'more than one "::"'],
    [':1::', 'single colon'],
    ['1:2:3:4:5:6:7:8:9', 'more than 8 groups'],
    ['1:2:3:4:5:6:7', '7 groups'],
    ['1:2:3:4:5:6:7::8', '"::" but already 8'],
    ['12345::', 'more than 4 hex'],
    ['fe80::1%eth0', 'zone ids'],
    ['::g', 'unexpected character'],
    ['1:2:3:4:5:6:7:1.2.3.4', 'too many groups'],
    ['::1.2.3.256', 'above 255'],
    ['/33', 'not a decimal'],
    ['1.2.3.4/8', 'unexpected character'],
  ])('rejects %j (%s)', (text, reason) => {
    const error = parseError(text);
    expect(error.code).toBe('NET_BAD_ADDRESS');
    expect(error.message).toContain(reason);
    expect(error.message).toContain(JSON.stringify(text).slice(1, -1));
    expect(tryParseAddress(text)).toBeUndefined();
  });

  it('escapes control characters and shortens huge input in the message', () => {
    const control = parseError('1.2.3.4\u001b[31m');
    expect(control.message).toContain('\\x1b[31m');
    expect(control.message).not.toContain('\u001b');
    const huge = parseError('1'.repeat(1_000_000));
    expect(huge.message.length).toBeLessThan(200);
    expect(huge.message).toContain('1000000 characters');
    const nul = parseError('1.2.3.4\u0000');
    expect(nul.message).toContain('\\x00');
    expect(parseError('\u202e1.2.3.4').code).toBe('NET_BAD_ADDRESS');
    expect(parseError(undefined as unknown as string).code).toBe('NET_BAD_ADDRESS');
  });
});

describe('formatAddress, compareAddresses, IPv4-mapped', () => {
  it('formats both families', () => {
    expect(formatAddress(parseAddress('10.0.0.1'))).toBe('10.0.0.1');
    expect(formatAddress(parseAddress('2001:0db8:0000:0000:0000:0000:0000:0001'))).toBe('2001:db8::1');
  });

  it('orders IPv4 before IPv6, then numerically', () => {
    const texts = [
      '::',
      '255.255.255.255',
      '10.0.0.2',
      '::ffff:0.0.0.1',
      '10.0.0.10',
      '0.0.0.0',
      '2001:db8::',
      '1::',
    ];
    const sorted = texts.map(parseAddress).sort(compareAddresses).map(formatAddress);
    expect(sorted).toEqual([
      '0.0.0.0',
      '10.0.0.2',
      '10.0.0.10',
      '255.255.255.255',
      '::',
      '::ffff:0.0.0.1',
      '1::',
      '2001:db8::',
    ]);
    expect(compareAddresses(parseAddress('1.2.3.4'), parseAddress('1.2.3.4'))).toBe(0);
  });

  it('recognises and unmaps ::ffff:a.b.c.d only', () => {
    const mapped = parseAddress('::ffff:175.45.176.1');
    expect(isIPv4Mapped(mapped)).toBe(true);
    expect(unmapIPv4(mapped)).toEqual(parseAddress('175.45.176.1'));
    for (const text of ['::175.45.176.1', '::fffe:1.2.3.4', '1::ffff:1.2.3.4', '175.45.176.1', '::1']) {
      const address = parseAddress(text);
      expect(isIPv4Mapped(address)).toBe(false);
      expect(unmapIPv4(address)).toBe(address);
    }
  });
});
