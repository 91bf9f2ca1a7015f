import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock, encodeKeepalive, encodeUpdate, type UpdateSpec } from '../bgp/index.js';
import { parseAddress } from '../net/index.js';
import {
  MrtArchiveWriter,
  MrtWriter,
  bgp4mpPeer,
  encodeRibAttributes,
  mrtFileName,
  readElements,
  repairGzipTail,
  scanGzipMembers,
  type MrtElement,
} from './index.js';
import { gzipSync } from 'node:zlib';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-mrt-writer-'));
  dirs.push(dir);
  return dir;
}

/** Polls until `test` holds; fails after `ms` saying what it waited for. */
async function waitFor(test: () => boolean, what: string, ms = 10000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`gave up after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Debian's bgpdump reading the file back, one line per element (`-m`). */
function bgpdump(file: string): string[] {
  return execFileSync('bgpdump', ['-m', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    .split('\n')
    .filter((l) => l.length > 0);
}

async function elements(file: string): Promise<MrtElement[]> {
  const out: MrtElement[] = [];
  for await (const e of readElements(file, { strict: true })) out.push(e);
  return out;
}

function announce(prefix: string, path: number[], nextHop: string): UpdateSpec {
  const v6 = prefix.includes(':');
  const asPath = [{ kind: 'sequence' as const, asns: path }];
  return {
    announced: [{ afi: v6 ? 2 : 1, safi: 1, prefixes: [{ prefix }] }],
    attributes: v6
      ? { origin: 'IGP', asPath, mpReach: { afi: 2, safi: 1, nextHop } }
      : { origin: 'IGP', asPath, nextHop },
  };
}

const T = Date.UTC(2015, 0, 1, 0, 7, 30) / 1000;

describe('MRT writer: BGP4MP', () => {
  it('writes BGP4MP_ET records byte for byte (RFC 6396 4.4, RFC 8050)', () => {
    const writer = new MrtWriter();
    const peer = bgp4mpPeer(4200000001, 65000, parseAddress('127.0.0.2'), parseAddress('127.0.0.1'));
    writer.bgp4mpStateChange(peer, T, 5, 1, 3);
    writer.bgp4mpMessage(peer, T, 123456, encodeKeepalive());
    writer.bgp4mpMessage(peer, T + 1, 0, encodeKeepalive(), true);
    const peer2 = bgp4mpPeer(65001, 4200000000, parseAddress('::1'), parseAddress('::2'), false);
    writer.bgp4mpMessage(peer2, T + 2, 0, encodeKeepalive());
    expect(writer.records).toBe(4);
    const hex = Buffer.from(writer.finish()).toString('hex');
    const ts = (t: number): string => t.toString(16).padStart(8, '0');
    const ka = 'ff'.repeat(16) + '001304';
    const v4peer = 'fa56ea01' + '0000fde8' + '0000' + '0001' + '7f000002' + '7f000001';
    expect(hex).toBe(
      // STATE_CHANGE_AS4: length 4 (µs) + 20 + 4
      ts(T) +
        '0011' +
        '0005' +
        '0000001c' +
        '00000005' +
        v4peer +
        '0001' +
        '0003' +
        // MESSAGE_AS4 with a keepalive
        ts(T) +
        '0011' +
        '0004' +
        '0000002b' +
        '0001e240' +
        v4peer +
        ka +
        // MESSAGE_AS4_ADDPATH
        ts(T + 1) +
        '0011' +
        '0009' +
        '0000002b' +
        '00000000' +
        v4peer +
        ka +
        // MESSAGE (2-byte ASNs, AS_TRANS for the local 4-byte ASN), IPv6
        ts(T + 2) +
        '0011' +
        '0001' +
        '0000003f' +
        '00000000' +
        'fde9' +
        '5ba0' +
        '0000' +
        '0002' +
        '0'.repeat(31) +
        '1' +
        '0'.repeat(31) +
        '2' +
        ka,
    );
  });

  it('writes updates and state changes that bgpdump and src/mrt read back', async () => {
    const dir = tempDir();
    const writer = new MrtWriter({ chunkSize: 64 });
    const chunks: Uint8Array[] = [];
    const streamed = new MrtWriter({ output: (c) => void chunks.push(Uint8Array.from(c)), chunkSize: 64 });
    const as4 = bgp4mpPeer(4200000001, 65000, parseAddress('192.0.2.2'), parseAddress('192.0.2.1'));
    const v6 = bgp4mpPeer(65002, 65000, parseAddress('2001:db8::2'), parseAddress('2001:db8::1'));
    const two = bgp4mpPeer(65004, 65000, parseAddress('192.0.2.4'), parseAddress('192.0.2.1'), false);
    for (const w of [writer, streamed]) {
      w.bgp4mpStateChange(as4, T, 250000, 5, 6);
      w.bgp4mpMessage(as4, T, 500000, encodeUpdate(announce('10.0.0.0/8', [4200000001, 3356], '192.0.2.2')));
      w.bgp4mpMessage(v6, T + 1, 0, encodeUpdate(announce('2001:db8:1::/48', [65002, 6939], '2001:db8::2')));
      w.bgp4mpMessage(
        as4,
        T + 2,
        1,
        encodeUpdate(
          { withdrawn: [{ afi: 1, safi: 1, prefixes: [{ prefix: '10.0.0.0/8', pathId: 7 }] }] },
          { addPath: true },
        ),
        true,
      );
      // A 2-byte session: 2-byte AS_PATH on the wire, BGP4MP (no microseconds).
      w.bgp4mpMessage(
        two,
        T + 3,
        undefined,
        encodeUpdate(announce('198.51.100.0/24', [65004, 174], '192.0.2.4'), { asn4: false }),
      );
      w.bgp4mpStateChange(two, T + 4, undefined, 6, 1);
    }
    streamed.flush();
    const bytes = writer.finish();
    expect(Buffer.concat(chunks)).toEqual(Buffer.from(bytes));
    expect(chunks.length).toBeGreaterThan(1);
    const file = join(dir, 'updates.mrt');
    writeFileSync(file, bytes);
    expect(bgpdump(file)).toEqual([
      `BGP4MP_ET|${T}.250000|STATE|192.0.2.2|4200000001|5|6`,
      `BGP4MP_ET|${T}.500000|A|192.0.2.2|4200000001|10.0.0.0/8|4200000001 3356|IGP|192.0.2.2|0|0||NAG||`,
      `BGP4MP_ET|${T + 1}.000000|A|2001:db8::2|65002|2001:db8:1::/48|65002 6939|IGP|2001:db8::2|0|0||NAG||`,
      `BGP4MP_ET_AP|${T + 2}.000001|W|192.0.2.2|4200000001|10.0.0.0/8|7`,
      `BGP4MP|${T + 3}|A|192.0.2.4|65004|198.51.100.0/24|65004 174|IGP|192.0.2.4|0|0||NAG||`,
      `BGP4MP|${T + 4}|STATE|192.0.2.4|65004|6|1`,
    ]);
    const read = await elements(file);
    expect(
      read.map((e) => [e.type, e.peerAddress, e.peerAsn, e.prefix ?? '', e.pathId ?? ''].join('|')),
    ).toEqual([
      'STATE|192.0.2.2|4200000001||',
      'A|192.0.2.2|4200000001|10.0.0.0/8|',
      'A|2001:db8::2|65002|2001:db8:1::/48|',
      'W|192.0.2.2|4200000001|10.0.0.0/8|7',
      'A|192.0.2.4|65004|198.51.100.0/24|',
      'STATE|192.0.2.4|65004||',
    ]);
  });
});

describe('MRT writer: TABLE_DUMP_V2', () => {
  it('writes a peer index table and RIB records that bgpdump and src/mrt read back', async () => {
    const dir = tempDir();
    const writer = new MrtWriter();
    writer.peerIndexTable(T, {
      collectorBgpId: '192.0.2.1',
      viewName: 'cairn',
      peers: [
        { bgpId: '10.0.0.1', address: '192.0.2.2', asn: 4200000001 },
        { bgpId: '10.0.0.2', address: '2001:db8::2', asn: 65002 },
        { bgpId: '10.0.0.3', address: '192.0.2.3', asn: 65003, as4: false },
      ],
    });
    const v4 = encodeRibAttributes(
      announce('10.0.0.0/8', [4200000001, 3356], '192.0.2.2').attributes!,
      '10.0.0.0/8',
    );
    const v4b = encodeRibAttributes(
      announce('10.0.0.0/8', [65003, 174], '192.0.2.3').attributes!,
      '10.0.0.0/8',
    );
    const v6 = encodeRibAttributes(
      announce('2001:db8:1::/48', [65002, 6939], '2001:db8::2').attributes!,
      '2001:db8:1::/48',
    );
    // RFC 6396 4.3.4: the IPv6 next hop alone in MP_REACH_NLRI (flags, type 14, length 17, 16, hop).
    expect(Buffer.from(v6).toString('hex')).toContain('800e1110' + '20010db8' + '0'.repeat(23) + '2');
    writer.rib(T, '10.0.0.0/8', [
      { peerIndex: 0, originatedTime: T - 60, attributes: v4 },
      { peerIndex: 2, originatedTime: T - 30, attributes: v4b },
    ]);
    writer.rib(T, '2001:db8:1::/48', [{ peerIndex: 1, originatedTime: T - 10, attributes: v6 }]);
    writer.rib(T, '192.0.2.0/25', [{ peerIndex: 0, originatedTime: T, attributes: v4 }]);
    const file = join(dir, 'rib.mrt');
    writeFileSync(file, writer.finish());
    expect(bgpdump(file)).toEqual([
      `TABLE_DUMP2|${T}|B|192.0.2.2|4200000001|10.0.0.0/8|4200000001 3356|IGP|192.0.2.2|0|0||NAG||`,
      `TABLE_DUMP2|${T}|B|192.0.2.3|65003|10.0.0.0/8|65003 174|IGP|192.0.2.3|0|0||NAG||`,
      `TABLE_DUMP2|${T}|B|2001:db8::2|65002|2001:db8:1::/48|65002 6939|IGP|2001:db8::2|0|0||NAG||`,
      `TABLE_DUMP2|${T}|B|192.0.2.2|4200000001|192.0.2.0/25|4200000001 3356|IGP|192.0.2.2|0|0||NAG||`,
    ]);
    const read = await elements(file);
    expect(
      read.map((e) => [e.type, e.peerAddress, e.peerAsn, e.prefix, e.asPath, e.nextHop].join('|')),
    ).toEqual([
      'B|192.0.2.2|4200000001|10.0.0.0/8|4200000001 3356|192.0.2.2',
      'B|192.0.2.3|65003|10.0.0.0/8|65003 174|192.0.2.3',
      'B|2001:db8::2|65002|2001:db8:1::/48|65002 6939|2001:db8::2',
      'B|192.0.2.2|4200000001|192.0.2.0/25|4200000001 3356|192.0.2.2',
    ]);
  });

  it('numbers RIB records from 0 after each peer index table and writes ADD-PATH entries', async () => {
    const writer = new MrtWriter();
    const table = {
      collectorBgpId: '192.0.2.1',
      peers: [{ bgpId: '10.0.0.1', address: '192.0.2.2', asn: 65001 }],
    };
    const attributes = encodeRibAttributes(
      announce('10.0.0.0/8', [65001], '192.0.2.2').attributes!,
      '10.0.0.0/8',
    );
    writer.peerIndexTable(T, table);
    writer.rib(T, '10.0.0.0/8', [{ peerIndex: 0, originatedTime: T, attributes }]);
    writer.rib(T, '10.0.0.0/8', [
      { peerIndex: 0, originatedTime: T, attributes, pathId: 1 },
      { peerIndex: 0, originatedTime: T, attributes, pathId: 2 },
    ]);
    writer.peerIndexTable(T + 1, table);
    writer.rib(T + 1, '11.0.0.0/8', [{ peerIndex: 0, originatedTime: T, attributes }]);
    const bytes = Buffer.from(writer.finish());
    // Walk the records: type, subtype and (for RIBs) the sequence number.
    const seen: string[] = [];
    for (let p = 0; p < bytes.length; p += 12 + bytes.readUInt32BE(p + 8)) {
      const subtype = bytes.readUInt16BE(p + 6);
      seen.push(subtype === 1 ? 'PIT' : `${subtype}#${bytes.readUInt32BE(p + 12)}`);
    }
    expect(seen).toEqual(['PIT', '2#0', '8#1', 'PIT', '2#0']);
    const file = join(tempDir(), 'rib-addpath.mrt');
    writeFileSync(file, bytes);
    const read = await elements(file);
    expect(read.map((e) => `${e.prefix}:${e.pathId ?? '-'}`)).toEqual([
      '10.0.0.0/8:-',
      '10.0.0.0/8:1',
      '10.0.0.0/8:2',
      '11.0.0.0/8:-',
    ]);
    expect(() =>
      writer.rib(T, '10.0.0.0/8', [
        { peerIndex: 0, originatedTime: T, attributes, pathId: 1 },
        { peerIndex: 0, originatedTime: T, attributes },
      ]),
    ).toThrow(expect.objectContaining({ code: 'MRT_WRITE_BAD_FIELD' }));
  });
});

describe('MRT archive writer (rotated gzip files)', () => {
  it('names files like RIPE RIS, by the UTC start of the interval', () => {
    expect(mrtFileName('updates', Date.UTC(2014, 11, 24, 7, 5) / 1000)).toBe('updates.20141224.0705.gz');
  });

  it('closes an idle file exactly at the end of its interval, in virtual time', async () => {
    const dir = tempDir();
    const start = Date.UTC(2015, 0, 1, 0, 4, 58);
    const clock = new VirtualClock(start);
    const closed: string[] = [];
    const archive = new MrtArchiveWriter({
      directory: dir,
      rotationMinutes: 5,
      clock,
      onFileClosed: (path) => void closed.push(path),
    });
    const peer = bgp4mpPeer(65001, 65000, parseAddress('192.0.2.2'), parseAddress('192.0.2.1'));
    archive.bgp4mpStateChange(peer, start / 1000, 0, 1, 3);
    const first = join(dir, 'updates.20150101.0000.gz');
    expect(archive.files).toEqual([first]);
    // One millisecond before the interval ends the file is open; at its end it is closed.
    clock.advanceTo(Date.UTC(2015, 0, 1, 0, 5) - 1);
    await archive.settled();
    expect(closed).toEqual([]);
    clock.advance(1);
    await archive.settled();
    expect(closed).toEqual([first]);
    archive.bgp4mpMessage(peer, clock.now() / 1000, 0, encodeKeepalive());
    // A record past the interval opens the next file.
    const second = join(dir, 'updates.20150101.0005.gz');
    expect(archive.files).toEqual([first, second]);
    await archive.close();
    expect(closed).toEqual([first, second]);
    expect(existsSync(first) && existsSync(second)).toBe(true);
    expect(bgpdump(first)).toEqual([`BGP4MP_ET|${start / 1000}.000000|STATE|192.0.2.2|65001|1|3`]);
    expect(gunzipSync(readFileSync(second)).length).toBe(12 + 4 + 20 + 19);
    expect(() => archive.bgp4mpStateChange(peer, clock.now() / 1000, 0, 1, 3)).toThrow(
      expect.objectContaining({ code: 'MRT_WRITER_CLOSED' }),
    );
  });

  it('sync-flushes the open file on its clock, so a reader sees complete records', async () => {
    const dir = tempDir();
    const clock = new VirtualClock(Date.UTC(2015, 0, 1));
    const archive = new MrtArchiveWriter({
      directory: dir,
      rotationMinutes: 5,
      clock,
      flushIntervalMs: 1000,
    });
    const peer = bgp4mpPeer(65001, 65000, parseAddress('192.0.2.2'), parseAddress('192.0.2.1'));
    archive.bgp4mpStateChange(peer, clock.now() / 1000, 0, 1, 3);
    const file = archive.files[0];
    const onDisk = (): number => {
      if (!existsSync(file)) return 0;
      return gunzipSync(readFileSync(file), { finishFlush: zlibConstants.Z_SYNC_FLUSH }).length;
    };
    clock.advance(999);
    expect(onDisk()).toBe(0);
    clock.advance(1);
    // The flush timer handed the record to zlib and asked for a sync flush; the file stays open.
    await waitFor(() => onDisk() === 12 + 4 + 20 + 4, 'the flushed state change in the open file');
    await archive.close();
    expect(bgpdump(file)).toHaveLength(1);
  });

  it('ends a gzip member at each flush and cuts a crash-truncated member off before appending', async () => {
    const dir = tempDir();
    const clock = new VirtualClock(Date.UTC(2015, 0, 1));
    const peer = bgp4mpPeer(65001, 65000, parseAddress('192.0.2.2'), parseAddress('192.0.2.1'));
    const first = new MrtArchiveWriter({ directory: dir, rotationMinutes: 5, clock, flushIntervalMs: 1000 });
    first.bgp4mpStateChange(peer, clock.now() / 1000, 0, 1, 3);
    const file = first.files[0];
    const members = (): number => (existsSync(file) ? scanGzipMembers(readFileSync(file)).members : 0);
    clock.advance(1000);
    await waitFor(() => members() === 1, 'the first member on disk');
    first.bgp4mpStateChange(peer, clock.now() / 1000, 0, 3, 4);
    clock.advance(1000);
    await waitFor(() => members() === 2, 'the second member on disk');
    await first.close();
    // What SIGKILL leaves: half of a third member.
    const whole = readFileSync(file);
    const partial = gzipSync(Buffer.alloc(5000, 7));
    writeFileSync(file, Buffer.concat([whole, partial.subarray(0, partial.length >> 1)]));
    expect(scanGzipMembers(readFileSync(file))).toMatchObject({
      members: 2,
      completeBytes: whole.length,
      truncated: true,
    });
    const repairs: unknown[] = [];
    const second = new MrtArchiveWriter({
      directory: dir,
      rotationMinutes: 5,
      clock,
      onRepaired: (r) => void repairs.push(r),
    });
    second.bgp4mpStateChange(peer, clock.now() / 1000, 0, 4, 1);
    await second.close();
    expect(repairs).toEqual([
      expect.objectContaining({ path: file, action: 'cut', completeBytes: whole.length }),
    ]);
    expect(scanGzipMembers(readFileSync(file)).problem).toBeUndefined();
    expect(readFileSync(file).subarray(0, whole.length).equals(whole)).toBe(true);
    expect(bgpdump(file).map((l) => l.split('|').slice(-2).join('|'))).toEqual(['1|3', '3|4', '4|1']);
  });

  it('moves aside a file with no complete member or damage before its end', () => {
    const dir = tempDir();
    const cut = join(dir, 'cut.gz');
    const member = gzipSync(Buffer.alloc(3000, 1));
    writeFileSync(cut, member.subarray(0, 20));
    expect(repairGzipTail(cut)).toMatchObject({
      action: 'moved',
      completeBytes: 0,
      movedTo: `${cut}.damaged`,
    });
    expect(existsSync(cut)).toBe(false);
    const damaged = join(dir, 'damaged.gz');
    const bad = Buffer.from(member);
    bad[bad.length - 8] ^= 0xff; // its CRC
    writeFileSync(damaged, Buffer.concat([member, bad, member]));
    expect(repairGzipTail(damaged)).toMatchObject({
      action: 'moved',
      completeBytes: member.length,
      reason: expect.stringContaining('CRC'),
    });
    const whole = join(dir, 'whole.gz');
    writeFileSync(whole, Buffer.concat([member, member]));
    expect(repairGzipTail(whole)).toBeUndefined();
    expect(scanGzipMembers(readFileSync(whole))).toEqual({
      members: 2,
      completeBytes: member.length * 2,
      truncated: false,
    });
  });
});
