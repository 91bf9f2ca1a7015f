/**
 * The passive BGP collector: listens (127.0.0.1:1179 by default), accepts sessions from
 * configured peers only, speaks BGP-4 with 4-byte ASNs, IPv4/IPv6 unicast, route refresh and
 * ADD-PATH receive, never announces a route, hands every received message and state change to
 * the archive it is given (`CollectorArchive`; src/app/collect-archive.ts makes the gzip MRT one:
 * BGP4MP_ET, rotated every N minutes, named like RIPE RIS files), and each decoded message and
 * state change to listeners. Its timers run on the `Clock` it is given (`VirtualClock` in tests).
 *
 * @example
 * const config = parseCollectorConfig({ localAsn: 65000, bgpId: '192.0.2.1',
 *   peers: [{ address: '127.0.0.2', asn: 65001 }], outputDirectory: './mrt' });
 * const collector = new BgpCollector(config, { archive: createCollectorArchive(config, { logger }) });
 * collector.onMessage((peer, time, message) => { if (message.type === 'update') apply(peer, message); });
 * collector.onStateChange((peer, from, to) => console.log(peer.address, bgpStateName(to)));
 * await collector.start();
 */
export {
  BgpCollector,
  BgpState,
  bgpStateName,
  type CollectorIncident,
  type CollectorOptions,
  type CollectorPeer,
  type CollectorStats,
  type IncidentListener,
  type MessageListener,
  type StateListener,
} from './collector.js';
export {
  canonicalAddress,
  collectorConfigSchema,
  parseCollectorConfig,
  parseCollectorConfigText,
  type CollectorConfig,
  type CollectorConfigInput,
  type CollectorPeerConfig,
} from './config.js';
export type { ArchiveSessionInfo, CollectorArchive, SessionArchive } from './archive.js';
export { VirtualClock, systemClock, unixTime, type Clock, type Timer, type UnixTime } from '../clock.js';
export { AlertPublisher, type Alert, type AlertPublisherOptions } from './alerts.js';
export { BgpTestSpeaker, defaultCapabilities, type TestSpeakerOptions } from './test-speaker.js';
export { effectiveUpdate } from './effective.js';
