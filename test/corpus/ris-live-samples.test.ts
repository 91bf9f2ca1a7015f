/**
 * The seven real RIS Live messages of the shared corpus (routing/ris-live/ris-live-stream.json,
 * from libbgpstream's tests; see the corpus PROVENANCE.md), replayed by a local server on
 * 127.0.0.1 to the client and to `watchRisLive`. The file holds an UPDATE, a RIS_PEER_STATE
 * down, a ris_error, an OPEN, a NOTIFICATION, a KEEPALIVE and the same KEEPALIVE cut short (its
 * final brace missing): the last one is counted as malformed with its position, the rest are
 * read. The UPDATE's fields are checked against its `raw` bytes decoded by the BGP codec.
 * Reads $CAIRN_CORPUS or ../shared/data.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlertJson, watchRisLive } from '../../src/app/index.js';
import { VirtualClock, decodeBgpMessage } from '../../src/bgp/index.js';
import type { CairnError } from '../../src/errors/index.js';
import {
  RisLiveClient,
  risMessageElements,
  risUpdateToBgp,
  type RisLiveItem,
} from '../../src/feeds/index.js';
import { RisLiveTestServer, waitFor } from '../fixtures/ris-live-server.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const corpus = process.env.CAIRN_CORPUS ?? path.resolve(repoRoot, '../shared/data');
const SAMPLES = path.join(corpus, 'routing/ris-live/ris-live-stream.json');
const lines = readFileSync(SAMPLES, 'utf8')
  .split('\n')
  .filter((line) => line.length > 0);

let server: RisLiveTestServer;
beforeEach(async () => {
  server = await RisLiveTestServer.start();
});
afterEach(async () => {
  await server.close();
});

describe('the real RIS Live samples', () => {
  it('are seven lines', () => {
    expect(lines).toHaveLength(7);
  });

  it('read through the client: five messages, one server error, one malformed line with its position', async () => {
    const client = new RisLiveClient({ url: server.url, clock: new VirtualClock(0) });
    const problems: CairnError[] = [];
    client.onProblem((error) => problems.push(error));
    const items: RisLiveItem[] = [];
    client.start();
    const consuming = (async () => {
      for await (const item of client) items.push(item);
    })();
    await waitFor('the subscription', () => server.subscriptionsOf(0).length === 1);
    await server.send(lines);
    await waitFor('seven frames', () => client.stats.frames === 7);
    await client.stop();
    await consuming;
    expect(items.map((i) => [i.data.type, i.data.host, i.position.sequence])).toEqual([
      ['UPDATE', 'rrc00', 1],
      ['RIS_PEER_STATE', 'rrc01', 2],
      ['OPEN', 'rrc00', 4],
      ['NOTIFICATION', 'rrc01', 5],
      ['KEEPALIVE', 'rrc03', 6],
    ]);
    expect(problems.map((p) => [p.code, p.location.line])).toEqual([
      ['RIS_LIVE_SERVER_ERROR', 3],
      ['RIS_LIVE_BAD_JSON', 7],
    ]);
    expect(problems[0].message).toMatch(/this is a test error message/);
    expect(client.stats).toMatchObject({ messages: 5, serverErrors: 1, malformed: 1 });

    // The UPDATE against its own raw bytes, decoded by the BGP codec.
    const update = items[0].data;
    if (update.type !== 'UPDATE' || update.raw === undefined)
      throw new Error('the first sample is an UPDATE with raw');
    const decoded = decodeBgpMessage(Buffer.from(update.raw, 'hex'), 0, { asn4: true });
    if (decoded.type !== 'update') throw new Error('raw is not an UPDATE');
    const [converted] = risUpdateToBgp(update).updates;
    expect(converted.announced).toEqual(decoded.announced);
    expect(converted.withdrawn).toEqual(decoded.withdrawn);
    expect(converted.attributes.asPath).toEqual(decoded.attributes.asPath);
    expect(converted.attributes.origin).toBe(decoded.attributes.origin);
    expect(converted.attributes.nextHop).toBe(decoded.attributes.nextHop);
    expect(risMessageElements(update, 1)).toEqual([
      {
        type: 'A',
        timestamp: 1553627987.89,
        peerAddress: '72.22.223.9',
        peerAsn: 11708,
        prefix: '45.161.192.0/23',
        asPath: '11708 32097 1299 52320 263009 263009 263009 263009 263009 52993 268481 268481',
        asPathSegments: [
          {
            kind: 'sequence',
            asns: [11708, 32097, 1299, 52320, 263009, 263009, 263009, 263009, 263009, 52993, 268481, 268481],
          },
        ],
        originAsns: [268481],
        origin: 'IGP',
        nextHop: '72.22.223.9',
        recordType: 'RISLIVE',
        recordOffset: 1,
      },
    ]);
  });

  it('feed watchRisLive: the peer going down is a peer-down alert naming its collector', async () => {
    const clock = new VirtualClock(1_553_625_000_000);
    const alerts: AlertJson[] = [];
    const problems: CairnError[] = [];
    const watch = await watchRisLive(
      { url: server.url, selection: { country: 'KP' }, clock },
      (alert) => alerts.push(AlertJson.parse(alert)),
      { onProblem: (p) => problems.push(p) },
    );
    await waitFor('the subscriptions', () => server.subscriptionsOf(0).length === 2);
    await server.send(lines);
    await waitFor('five messages handled', () => watch.handled === 5);
    const stats = await watch.stop();
    expect(alerts).toEqual([
      expect.objectContaining({
        kind: 'peer-down',
        peer: '195.66.224.59',
        peerAsn: 24931,
        description: 'rrc01',
      }),
    ]);
    expect(problems.map((p) => p.code)).toEqual(['RIS_LIVE_SERVER_ERROR', 'RIS_LIVE_BAD_JSON']);
    expect(stats).toMatchObject({
      messages: { update: 1, peerState: 1, open: 1, notification: 1, keepalive: 1 },
      announced: 1,
      peers: 5,
      hosts: ['rrc00', 'rrc01', 'rrc03'],
      connection: { frames: 7, malformed: 1, serverErrors: 1 },
    });
  });
});
