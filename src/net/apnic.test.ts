// Real data: every IPv4 range and IPv6 prefix of APNIC's delegated file of 2014-10-09 (bundled in
// data/registry), split into CIDR blocks and indexed in a PrefixTrie by country.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Prefix } from './index.js';
import { PrefixTrie, parseAddress, parsePrefix, rangeToPrefixes } from './index.js';

const FILE = new URL('../../data/registry/delegated-apnic-20141009.gz', import.meta.url);

interface Delegation {
  family: 4 | 6;
  start: string;
  value: number;
  country: string;
}

function readDelegations(): Delegation[] {
  const text = gunzipSync(readFileSync(FILE)).toString('utf8');
  const out: Delegation[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split('|');
    if (fields.length < 7 || (fields[2] !== 'ipv4' && fields[2] !== 'ipv6') || fields[1] === '*') continue;
    out.push({
      family: fields[2] === 'ipv4' ? 4 : 6,
      start: fields[3],
      value: Number(fields[4]),
      country: fields[1],
    });
  }
  return out;
}

function toBigInt(bytes: Uint8Array): bigint {
  return bytes.reduce((value, byte) => (value << 8n) | BigInt(byte), 0n);
}

describe('APNIC delegated file 2014-10-09', () => {
  const delegations = readDelegations();
  const trie = new PrefixTrie<string>();
  const blocks: Prefix[] = [];

  it('splits every IPv4 range into aligned CIDR blocks that tile it exactly', () => {
    const v4 = delegations.filter((d) => d.family === 4);
    expect(v4.length).toBe(25898);
    let unaligned = 0;
    for (const d of v4) {
      const start = parseAddress(d.start);
      const prefixes = rangeToPrefixes(start, d.value);
      if (prefixes.length > 1) unaligned++;
      let next = toBigInt(start.bytes);
      let total = 0n;
      for (const prefix of prefixes) {
        expect(toBigInt(prefix.bytes)).toBe(next);
        expect(parsePrefix(prefix.toString(), { strict: true }).equals(prefix)).toBe(true);
        next += prefix.size;
        total += prefix.size;
        trie.set(prefix, d.country);
        blocks.push(prefix);
      }
      expect(total).toBe(BigInt(d.value));
    }
    // APNIC allocated on CIDR boundaries: every range of this file is one block and must stay one
    // (splitting of unaligned ranges is checked against a brute-force reference in prefix.test.ts).
    expect(unaligned).toBe(0);
  });

  it('reads every IPv6 delegation as a strict prefix', () => {
    const v6 = delegations.filter((d) => d.family === 6);
    expect(v6.length).toBe(3644);
    for (const d of v6) {
      const prefix = parsePrefix(`${d.start}/${d.value}`, { strict: true });
      trie.set(prefix, d.country);
      blocks.push(prefix);
    }
  });

  it('answers longest-match for the first and last address of every block', () => {
    // Delegations do not overlap, so each block is its own longest match.
    expect(trie.size).toBe(blocks.length);
    for (const block of blocks) {
      const first = block.network;
      const last = { family: block.family, bytes: block.bytes.slice() };
      for (let bit = block.length; bit < last.bytes.length * 8; bit++)
        last.bytes[bit >> 3] |= 0x80 >> (bit & 7);
      expect(trie.longestMatch(first)?.prefix).toBe(block);
      expect(trie.longestMatch(last)?.prefix).toBe(block);
    }
    expect(trie.longestMatch(parseAddress('175.45.178.1'))?.value).toBe('KP');
    expect(trie.longestMatch(parseAddress('175.45.178.1'))?.prefix.toString()).toBe('175.45.176.0/22');
    expect(trie.longestMatch(parseAddress('8.8.8.8'))).toBeUndefined(); // ARIN space
    const sorted = [...blocks].sort((a, b) => a.compare(b)).map(String);
    expect([...trie.entries()].map((e) => e.prefix.toString())).toEqual(sorted);
    expect(trie.covered(parsePrefix('175.45.0.0/16')).map((e) => e.value)).toContain('KP');
  });
});
