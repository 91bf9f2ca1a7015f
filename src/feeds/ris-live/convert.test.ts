/**
 * The conversion checked against the MRT decoder: the records of real MRT update files (data/)
 * are written as RIS Live messages by the generator (test/fixtures/ris-live-generated.ts), sent
 * by a local server on 127.0.0.1, read back through the client and converted; the elements must
 * equal the decoder's field by field (prefix, peer, path, origin ASes, origin, communities, next
 * hop, MED, aggregator). Then the corners RIS Live adds: AS_SETs as nested arrays, IPv6 next hops
 * with a link-local address, uncompressed IPv6 prefixes, several next hops in one message.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../bgp/index.js';
import type { MrtElement } from '../../mrt/index.js';
import { risMessagesFromMrt } from '../../../test/fixtures/ris-live-generated.js';
import { RisLiveTestServer, waitFor } from '../../../test/fixtures/ris-live-server.js';
import {
  RisLiveClient,
  parseServerMessage,
  risMessageElements,
  risUpdateToBgp,
  type RisLiveItem,
  type RisUpdateData,
} from './index.js';

const data = (relative: string): string =>
  fileURLToPath(new URL(`../../../data/${relative}`, import.meta.url));

/** The fields RIS Live carries, as the MRT decoder gives them. */
function comparable(e: MrtElement): Record<string, unknown> {
  return {
    type: e.type,
    timestamp: e.timestamp,
    peerAddress: e.peerAddress,
    peerAsn: e.peerAsn,
    prefix: e.prefix,
    // One AS_SEQUENCE and two adjacent ones read the same in RIS Live: the text is compared.
    asPath: e.asPath,
    originAsns: e.originAsns,
    origin: e.origin,
    communities: e.communities,
    nextHop: e.nextHop,
    med: e.med,
    aggregator: e.aggregator,
    oldState: e.type === 'STATE' ? e.oldState : undefined,
    newState: e.type === 'STATE' ? (e.newState === 6 ? 6 : 1) : undefined,
  };
}

let server: RisLiveTestServer;
beforeAll(async () => {
  server = await RisLiveTestServer.start();
});
afterAll(async () => {
  await server.close();
});

describe('elements from RIS Live equal the MRT decoder', () => {
  for (const [file, host] of [
    ['mrt/libbgpstream/ris.rrc06.updates.1427846400.gz', 'rrc06'],
    ['mrt/ripe-bgpdump/updates.20070211.0141.gz', 'rrc00'],
    ['mrt/ripe-bgpdump/updates.20100722.2015.gz', 'rrc00'],
    ['mrt/ripe-bgpdump/updates.20160811.1600.gz', 'rrc00'],
  ] as const) {
    it(`${file} (generated messages, through the client)`, async () => {
      const generated = await risMessagesFromMrt(data(file), host);
      expect(generated.messages.length).toBeGreaterThan(100);
      const client = new RisLiveClient({ url: server.url, clock: new VirtualClock(0) });
      const items: RisLiveItem[] = [];
      const problems: string[] = [];
      client.onProblem((error) => problems.push(error.describe()));
      client.start();
      const consuming = (async () => {
        for await (const item of client) items.push(item);
      })();
      await waitFor('the client to subscribe', () => server.current?.received.length === 1);
      await server.send(generated.messages);
      await waitFor(
        `${generated.messages.length} messages`,
        () => items.length === generated.messages.length,
      );
      await client.stop();
      await consuming;
      expect(problems).toEqual([]);
      const elements = items.flatMap((item) => risMessageElements(item.data, item.position.sequence));
      expect(elements.length).toBe(generated.elements.length);
      for (let i = 0; i < elements.length; i++) {
        const want = comparable(generated.elements[i]);
        const got = comparable(elements[i]);
        if (JSON.stringify(got) !== JSON.stringify(want)) expect({ i, got }).toEqual({ i, got: want });
      }
      // What the file holds, so the comparison covers it.
      const kinds = new Set(generated.elements.map((e) => e.type));
      expect(kinds.has('A') && kinds.has('W')).toBe(true);
      expect(generated.elements.some((e) => e.communities !== undefined)).toBe(true);
    });
  }

  it('covers IPv6, AS_SETs, MED, aggregators and sessions going down over the files', async () => {
    const all = await Promise.all(
      [
        'mrt/libbgpstream/ris.rrc06.updates.1427846400.gz',
        'mrt/ripe-bgpdump/updates.20070211.0141.gz',
        'mrt/ripe-bgpdump/updates.20100722.2015.gz',
        'mrt/ripe-bgpdump/updates.20160811.1600.gz',
      ].map((file) => risMessagesFromMrt(data(file), 'rrc00')),
    );
    const elements = all.flatMap((g) => g.elements);
    expect(elements.some((e) => e.prefix?.includes(':') === true)).toBe(true);
    expect(elements.some((e) => e.asPath?.includes('{') === true)).toBe(true);
    expect(elements.some((e) => e.med !== undefined)).toBe(true);
    expect(elements.some((e) => e.aggregator !== undefined)).toBe(true);
    expect(elements.some((e) => e.type === 'STATE')).toBe(true);
  });
});

const updateData = (fields: Partial<RisUpdateData> & Record<string, unknown>): RisUpdateData => {
  const parsed = parseServerMessage(
    JSON.stringify({
      type: 'ris_message',
      data: {
        timestamp: 1_553_627_987.89,
        peer: '2001:7f8:4:0::73ab:1',
        peer_asn: '29611',
        id: 'generated',
        host: 'rrc01',
        type: 'UPDATE',
        ...fields,
      },
    }),
  );
  if (!parsed.ok || parsed.message.type !== 'ris_message' || parsed.message.data.type !== 'UPDATE')
    throw new Error(`not an update: ${JSON.stringify(parsed)}`);
  return parsed.message.data;
};

describe('risUpdateToBgp and risMessageElements', () => {
  it('reads AS_SETs, communities, aggregator, link-local next hops and uncompressed prefixes', () => {
    const d = updateData({
      path: [29611, 3356, [64512, 64513]],
      community: [
        [3356, 2],
        [65535, 65281],
      ],
      origin: 'incomplete',
      med: 10,
      aggregator: '64513:192.0.2.9',
      announcements: [
        { next_hop: '2001:7f8:4::73ab:1,fe80::1', prefixes: ['2605:de00:bb:0:0:0:0:0/48'] },
        { next_hop: '192.0.2.1', prefixes: ['45.161.192.0/23'] },
      ],
      withdrawals: ['2001:db8::/32', '198.51.100.0/24'],
    });
    const { updates, problems } = risUpdateToBgp(d);
    expect(problems).toEqual([]);
    expect(updates).toEqual([
      {
        type: 'update',
        length: 0,
        withdrawn: [
          { afi: 1, safi: 1, prefixes: [{ prefix: '198.51.100.0/24' }] },
          { afi: 2, safi: 1, prefixes: [{ prefix: '2001:db8::/32' }] },
        ],
        announced: [
          { afi: 2, safi: 1, prefixes: [{ prefix: '2605:de00:bb::/48' }] },
          { afi: 1, safi: 1, prefixes: [{ prefix: '45.161.192.0/23' }] },
        ],
        attributes: {
          origin: 'INCOMPLETE',
          asPath: [
            { kind: 'sequence', asns: [29611, 3356] },
            { kind: 'set', asns: [64512, 64513] },
          ],
          med: 10,
          communities: ['3356:2', '65535:65281'],
          aggregator: { asn: 64513, address: '192.0.2.9' },
          nextHop: '192.0.2.1',
          mpReach: { afi: 2, safi: 1, nextHop: '2001:7f8:4::73ab:1', linkLocalNextHop: 'fe80::1' },
        },
        outcome: 'ok',
        problems: [],
      },
    ]);
    const elements = risMessageElements(d, 7);
    expect(elements.map((e) => [e.type, e.prefix, e.nextHop])).toEqual([
      ['W', '198.51.100.0/24', undefined],
      ['W', '2001:db8::/32', undefined],
      ['A', '2605:de00:bb::/48', '2001:7f8:4::73ab:1'],
      ['A', '45.161.192.0/23', '192.0.2.1'],
    ]);
    expect(elements[2]).toMatchObject({
      peerAddress: '2001:7f8:4::73ab:1',
      peerAsn: 29611,
      asPath: '29611 3356 {64512,64513}',
      originAsns: [64512, 64513],
      recordType: 'RISLIVE',
      recordOffset: 7,
    });
  });

  it('splits a message with two next hops for one family into two updates', () => {
    const { updates } = risUpdateToBgp(
      updateData({
        path: [1, 2],
        announcements: [
          { next_hop: '192.0.2.1', prefixes: ['192.0.2.0/24'] },
          { next_hop: '192.0.2.2', prefixes: ['198.51.100.0/24'] },
          { next_hop: '192.0.2.1', prefixes: ['203.0.113.0/24'] },
        ],
      }),
    );
    expect(
      updates.map((u) => [u.attributes.nextHop, u.announced.flatMap((f) => f.prefixes.map((p) => p.prefix))]),
    ).toEqual([
      ['192.0.2.1', ['192.0.2.0/24', '203.0.113.0/24']],
      ['192.0.2.2', ['198.51.100.0/24']],
    ]);
  });

  it('skips what does not parse and says where', () => {
    const { updates, problems } = risUpdateToBgp(
      updateData({
        origin: 'sideways',
        aggregator: 'x:192.0.2.1',
        announcements: [
          { next_hop: 'nowhere', prefixes: ['192.0.2.0/24'] },
          { next_hop: '192.0.2.1', prefixes: ['192.0.2.0/33', '192.0.2.0/24'] },
        ],
        withdrawals: ['300.1.1.0/24'],
      }),
    );
    expect(problems.map((p) => [p.code, p.path])).toEqual([
      ['RIS_LIVE_BAD_MESSAGE', '$.data.origin'],
      ['RIS_LIVE_BAD_MESSAGE', '$.data.aggregator'],
      ['RIS_LIVE_BAD_MESSAGE', '$.data.withdrawals[0]'],
      ['RIS_LIVE_BAD_MESSAGE', '$.data.announcements[0].next_hop'],
      ['RIS_LIVE_BAD_MESSAGE', '$.data.announcements[1].prefixes[0]'],
    ]);
    expect(updates[0].announced).toEqual([{ afi: 1, safi: 1, prefixes: [{ prefix: '192.0.2.0/24' }] }]);
    expect(updates[0].withdrawn).toEqual([]);
  });

  it('turns RIS_PEER_STATE down and connected into STATE elements', () => {
    const parsed = parseServerMessage(
      '{"type": "ris_message", "data": {"timestamp": 1553625081.88, "peer": "195.66.224.59", "peer_asn": "24931", "id": "x", "host": "rrc01", "type": "RIS_PEER_STATE", "state": "down"}}',
    );
    if (!parsed.ok || parsed.message.type !== 'ris_message') throw new Error('not parsed');
    expect(risMessageElements(parsed.message.data, 2)).toEqual([
      {
        type: 'STATE',
        timestamp: 1553625081.88,
        peerAddress: '195.66.224.59',
        peerAsn: 24931,
        oldState: 6,
        newState: 1,
        recordType: 'RISLIVE',
        recordOffset: 2,
      },
    ]);
  });
});
