// formatIPv6 / formatIPv4 / parseAddress against glibc's inet_ntop and inet_pton, the functions
// bgpdump uses, called live through python3's socket module (which wraps them on Linux).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { prng } from '../../test/fixtures/prng.js';
import { formatAddress, formatIPv4, formatIPv6, parseAddress, tryParseAddress } from './index.js';

/** Runs `script` with `input` as JSON on stdin and returns its stdout parsed as JSON. */
function python<T>(script: string, input: unknown): T {
  const result = spawnSync('python3', ['-c', script], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`python3 failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

const NTOP_SCRIPT = `
import json, socket, sys, platform
assert platform.system() == 'Linux' and platform.libc_ver()[0] == 'glibc', platform.libc_ver()
print(json.dumps([socket.inet_ntop(socket.AF_INET6, bytes.fromhex(h)) for h in json.load(sys.stdin)]))
`;

const PTON_SCRIPT = `
import json, socket, sys
out = []
for text in json.load(sys.stdin):
    found = None
    for family, name in ((socket.AF_INET, 4), (socket.AF_INET6, 6)):
        try:
            found = [name, socket.inet_pton(family, text).hex()]
        except (OSError, ValueError):
            pass
    out.append(found)
print(json.dumps(out))
`;

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function fromWords(words: number[]): Uint8Array {
  const bytes = new Uint8Array(16);
  words.forEach((w, i) => {
    bytes[2 * i] = w >> 8;
    bytes[2 * i + 1] = w & 0xff;
  });
  return bytes;
}

/** ~5,000 IPv6 addresses, weighted towards the cases inet_ntop treats specially. */
function sampleIPv6(): Uint8Array[] {
  const random = prng(0x5eed6);
  const word = () => Math.floor(random() * 0x10000);
  const smallWord = () => [1, 0xffff, 0xff, 0x100, 0xfffe][Math.floor(random() * 5)];
  const out: Uint8Array[] = [];
  const fixed = [
    '::',
    '::1',
    '::2',
    '1::',
    '::ffff:0:0',
    '::ffff:0.0.0.0',
    '::ffff:1.2.3.4',
    '::ffff:255.255.255.255',
    '::0.0.0.2',
    '::1:2',
    '::1.2.3.4',
    '::fffe:1.2.3.4',
    '::1:ffff:1.2.3.4',
    '0:0:0:0:1:ffff:102:304',
    '64:ff9b::1.2.3.4',
    '2001:db8::',
    '2001:db8::1',
    '2001:db8:0:1:0:0:0:1',
    '2001:0:0:1:0:0:0:1',
    '1:0:1:0:1:0:1:0',
    '0:1:0:1:0:1:0:1',
    'ffff::',
    'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    'fe80::1',
    '::ffff:0:1',
    '0:0:0:0:0:ffff:0:0',
    '0:0:0:0:0:0:ffff:0',
    '0:0:0:0:ffff:ffff:0:0',
  ];
  for (const text of fixed) out.push(parseAddress(text).bytes);
  // Every pattern of zero and non-zero words (this covers all run positions and ties).
  for (let mask = 0; mask < 256; mask++) {
    out.push(
      fromWords(
        Array.from({ length: 8 }, (_, i) => ((mask >> i) & 1 ? (random() < 0.5 ? smallWord() : word()) : 0)),
      ),
    );
  }
  while (out.length < 5000) {
    const kind = Math.floor(random() * 6);
    const v4 = [word(), word()];
    if (kind === 0) {
      out.push(fromWords([0, 0, 0, 0, 0, 0xffff, ...v4])); // IPv4-mapped
    } else if (kind === 1) {
      // IPv4-compatible, often with leading zero bytes in the IPv4 part.
      out.push(fromWords([0, 0, 0, 0, 0, 0, random() < 0.5 ? 0 : v4[0], random() < 0.3 ? 0 : v4[1]]));
    } else if (kind === 2) {
      out.push(fromWords(Array.from({ length: 8 }, () => (random() < 0.6 ? 0 : word()))));
    } else if (kind === 3) {
      out.push(fromWords(Array.from({ length: 8 }, () => (random() < 0.5 ? 0 : smallWord()))));
    } else if (kind === 4) {
      // Zeros in the first five words with a varied sixth word.
      out.push(fromWords([0, 0, 0, 0, random() < 0.7 ? 0 : word(), random() < 0.5 ? 0xffff : word(), ...v4]));
    } else {
      out.push(fromWords(Array.from({ length: 8 }, word)));
    }
  }
  return out;
}

describe('formatIPv6 against glibc inet_ntop', () => {
  const addresses = sampleIPv6();
  const expected = python<string[]>(NTOP_SCRIPT, addresses.map(hex));

  it('prints every sampled address exactly as glibc does', () => {
    expect(expected).toHaveLength(addresses.length);
    const mismatches: string[] = [];
    addresses.forEach((bytes, i) => {
      const ours = formatIPv6(bytes);
      if (ours !== expected[i]) mismatches.push(`${hex(bytes)}: ours ${ours}, glibc ${expected[i]}`);
    });
    expect(mismatches).toEqual([]);
  });

  it('reads at an offset inside a larger buffer', () => {
    addresses.slice(0, 500).forEach((bytes, i) => {
      const buffer = new Uint8Array(40).fill(0xaa);
      buffer.set(bytes, 7 + (i % 17));
      expect(formatIPv6(buffer, 7 + (i % 17))).toBe(expected[i]);
    });
  });

  it('shows the special forms glibc uses', () => {
    expect(formatIPv6(parseAddress('::').bytes)).toBe('::');
    expect(formatIPv6(parseAddress('::1').bytes)).toBe('::1');
    expect(formatIPv6(parseAddress('::ffff:0:0').bytes)).toBe('::ffff:0.0.0.0');
    expect(formatIPv6(parseAddress('::ffff:1.2.3.4').bytes)).toBe('::ffff:1.2.3.4');
    expect(formatIPv6(parseAddress('::1:2').bytes)).toBe('::0.1.0.2');
    expect(formatIPv6(parseAddress('64:ff9b::1.2.3.4').bytes)).toBe('64:ff9b::102:304');
  });

  it('round-trips through parseAddress', () => {
    for (const bytes of addresses) {
      expect(parseAddress(formatIPv6(bytes)).bytes).toEqual(bytes);
    }
  });
});

describe('formatIPv4', () => {
  it('prints dotted quads at an offset and round-trips', () => {
    const random = prng(4);
    for (let i = 0; i < 2000; i++) {
      const bytes = Uint8Array.from({ length: 9 }, () => Math.floor(random() * 256));
      const text = formatIPv4(bytes, 3);
      expect(text).toBe(`${bytes[3]}.${bytes[4]}.${bytes[5]}.${bytes[6]}`);
      expect(parseAddress(text).bytes).toEqual(bytes.slice(3, 7));
      expect(formatAddress(parseAddress(text))).toBe(text);
    }
  });
});

/** Strings for the parser: valid forms in many spellings, near misses and garbage. */
function sampleTexts(): string[] {
  const random = prng(0xbad);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const texts: string[] = [];
  for (const bytes of sampleIPv6().slice(0, 1500)) {
    const canonical = formatIPv6(bytes);
    texts.push(canonical, canonical.toUpperCase());
    const words = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] << 8) | bytes[2 * i + 1]).toString(16));
    texts.push(words.join(':'), words.map((w) => w.padStart(4, '0')).join(':'));
    texts.push(`${words.slice(0, 6).join(':')}:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`);
  }
  // Mutations of valid text: drop, duplicate or insert a character.
  const alphabet = [...'0123456789abcdefABCDEFgx:.%/ '];
  const base = texts.slice();
  for (let i = 0; i < 4000; i++) {
    const text = pick(base);
    const at = Math.floor(random() * (text.length + 1));
    const op = Math.floor(random() * 3);
    if (op === 0) texts.push(text.slice(0, at) + text.slice(at + 1));
    else if (op === 1) texts.push(text.slice(0, at) + text.slice(at, at + 2) + text.slice(at));
    else texts.push(text.slice(0, at) + pick(alphabet) + text.slice(at));
  }
  // Random strings over the address alphabet, mostly invalid.
  for (let i = 0; i < 3000; i++) {
    const length = 1 + Math.floor(random() * 20);
    texts.push(Array.from({ length }, () => pick([...'0123456789af:::...'])).join(''));
  }
  // Dotted quads with and without leading zeros and out-of-range octets.
  for (let i = 0; i < 3000; i++) {
    const count = pick([3, 4, 4, 4, 4, 5]);
    const octets = Array.from({ length: count }, () => {
      const value = Math.floor(random() * (random() < 0.9 ? 256 : 1000));
      return random() < 0.1 ? `0${value}` : String(value);
    });
    texts.push(octets.join('.'));
  }
  texts.push(
    '',
    ':',
    '::',
    ':::',
    '1::2::3',
    '1.2.3.4.5',
    '256.1.1.1',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7::',
  );
  texts.push(
    '::1.2.3',
    '::1.2.3.4.5',
    '1.2.3.4::',
    '::01.2.3.4',
    'fe80::1%eth0',
    '::ffff:1.2.3.256',
    '12345::',
  );
  return texts;
}

describe('parseAddress against glibc inet_pton', () => {
  const texts = sampleTexts();
  const expected = python<Array<[number, string] | null>>(PTON_SCRIPT, texts);

  it('accepts and rejects exactly what glibc does, with the same bytes', () => {
    expect(expected).toHaveLength(texts.length);
    let accepted = 0;
    const mismatches: string[] = [];
    texts.forEach((text, i) => {
      const ours = tryParseAddress(text);
      const theirs = expected[i];
      const oursAsPair = ours === undefined ? null : [ours.family, hex(ours.bytes)];
      if (JSON.stringify(oursAsPair) !== JSON.stringify(theirs)) {
        mismatches.push(
          `${JSON.stringify(text)}: ours ${JSON.stringify(oursAsPair)}, glibc ${JSON.stringify(theirs)}`,
        );
      }
      if (theirs !== null) accepted++;
    });
    expect(mismatches).toEqual([]);
    // The sample must exercise both outcomes in bulk.
    expect(accepted).toBeGreaterThan(7000);
    expect(texts.length - accepted).toBeGreaterThan(5000);
  });
});
