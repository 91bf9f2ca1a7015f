/**
 * RIS Live (https://ris-live.ripe.net/): a WebSocket client that follows RIPE RIS's live BGP
 * message stream, with reconnection, keepalive and a bounded queue (client.ts), the protocol's
 * messages (protocol.ts), and their conversion to the BGP codec's UPDATEs and to MRT elements,
 * so the detectors that read archives and the BGP collector read RIS Live alike (convert.ts).
 *
 * @example
 * const client = new RisLiveClient({ subscriptions: [{ host: 'rrc00' }] });
 * client.start();
 * for await (const { data } of client)
 *   if (data.type === 'UPDATE') for (const update of risUpdateToBgp(data).updates) apply(update);
 */
export {
  RIS_LIVE_URL,
  RisLiveClient,
  risLiveUrl,
  type ProblemListener,
  type RisLiveClientOptions,
  type RisLiveItem,
  type RisLivePosition,
  type RisLiveStats,
  type RisLiveStatus,
  type StatusListener,
} from './client.js';
export { backoffDelay, type BackoffOptions } from '../backoff.js';
export {
  RIS_MESSAGE_TYPES,
  parseServerMessage,
  pingMessage,
  rrcListRequest,
  subscribeMessage,
  type ClientMessage,
  type FrameProblem,
  type ParsedFrame,
  type RisAnnouncement,
  type RisMessageData,
  type RisMessageType,
  type RisOtherData,
  type RisPathElement,
  type RisPeerStateData,
  type RisSocketOptions,
  type RisSubscription,
  type RisUpdateData,
  type ServerMessage,
} from './protocol.js';
export {
  RIS_LIVE_RECORD_TYPE,
  canonicalAddress,
  originAsnsOf,
  peerOf,
  risMessageElements,
  risPathSegments,
  risUpdateToBgp,
  type ConvertedUpdate,
  type RisPeer,
} from './convert.js';
