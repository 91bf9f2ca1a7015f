import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseAddress } from '../../net/index.js';
import { encodeKeepalive } from '../message.js';
import { MrtArchiveWriter, bgp4mpPeerHeader, mrtFileName } from './mrt-writer.js';

describe('MRT archive writer', () => {
  it('names files like RIPE RIS, by the UTC start of the interval', () => {
    expect(mrtFileName('updates', Date.UTC(2014, 11, 24, 7, 5) / 1000)).toBe('updates.20141224.0705.gz');
  });

  it('writes BGP4MP_ET records byte for byte (RFC 6396 4.4, RFC 8050)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-mrt-writer-'));
    try {
      const writer = new MrtArchiveWriter({ directory: dir, rotationMinutes: 5, flushIntervalMs: 0 });
      const peer = bgp4mpPeerHeader(4200000001, 65000, parseAddress('127.0.0.2'), parseAddress('127.0.0.1'));
      const t = Date.UTC(2015, 0, 1, 0, 7, 30) / 1000;
      writer.writeStateChange(peer, t, 5, 1, 3);
      writer.writeMessage(peer, t, 123456, encodeKeepalive(), false);
      writer.writeMessage(peer, t + 1, 0, encodeKeepalive(), true);
      const peer2 = bgp4mpPeerHeader(65001, 4200000000, parseAddress('::1'), parseAddress('::2'), false);
      writer.writeMessage(peer2, t + 2, 0, encodeKeepalive(), false, false);
      await writer.close();
      expect(writer.files).toEqual([join(dir, 'updates.20150101.0005.gz')]);
      const bytes = gunzipSync(readFileSync(writer.files[0]));
      const hex = bytes.toString('hex');
      const ts = t.toString(16).padStart(8, '0');
      const ka = 'ff'.repeat(16) + '001304';
      const v4peer = 'fa56ea01' + '0000fde8' + '0000' + '0001' + '7f000002' + '7f000001';
      expect(hex).toBe(
        // STATE_CHANGE_AS4: length 4 (µs) + 20 + 4
        ts +
          '0011' +
          '0005' +
          '0000001c' +
          '00000005' +
          v4peer +
          '0001' +
          '0003' +
          // MESSAGE_AS4 with a keepalive
          ts +
          '0011' +
          '0004' +
          '0000002b' +
          '0001e240' +
          v4peer +
          ka +
          // MESSAGE_AS4_ADDPATH
          (t + 1).toString(16).padStart(8, '0') +
          '0011' +
          '0009' +
          '0000002b' +
          '00000000' +
          v4peer +
          ka +
          // MESSAGE (2-byte ASNs, AS_TRANS for the local 4-byte ASN), IPv6
          (t + 2).toString(16).padStart(8, '0') +
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
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
