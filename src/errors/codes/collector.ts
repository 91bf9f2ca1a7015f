/**
 * Codes raised by bgp/collector/: the passive BGP collector's configuration, its sessions, its
 * MRT writer and its alert channel. Session problems are reported as incidents of that session;
 * the collector keeps serving the other peers.
 */
import type { CodeSpec } from '../category.js';

export const COLLECTOR_CODES = {
  COLLECTOR_NO_ARCHIVE: {
    category: 'internal',
    description: 'A collector was created without saying where its MRT archive goes.',
    action: 'Pass an archive (the MRT archive from src/app) or archive: false to keep none.',
  },
  COLLECTOR_BAD_CONFIG: {
    category: 'input',
    description: 'The collector configuration is not JSON, fails the schema, or lists a peer twice.',
    action: 'Fix the configuration file at the JSON path the error names.',
  },
  COLLECTOR_BAD_WEBHOOK: {
    category: 'input',
    description: 'The alert webhook URL is not http or https.',
    action: 'Give an http:// or https:// URL for webhookUrl.',
  },
  COLLECTOR_LISTEN_FAILED: {
    category: 'unavailable',
    description:
      'The collector cannot listen on its address and port (in use, not local, or a privileged port).',
    action: 'Choose a free port (179 needs privileges), or stop the process that holds it.',
  },
  COLLECTOR_STARTED: {
    category: 'conflict',
    description: 'start() was called on a collector that is already running.',
    action: 'Start each collector once; stop it before starting it again.',
  },
  COLLECTOR_UNKNOWN_PEER: {
    category: 'upstream',
    description:
      'A connection came from an address that is not a configured peer, or arrived while the collector was stopping; it is refused with a Cease NOTIFICATION.',
    action: 'Add the peer to the configuration if it should be collected; otherwise nothing to do.',
  },
  COLLECTOR_CONNECTION_RATE: {
    category: 'upstream',
    description:
      'A source address opened connections faster than the per-source limit (connectionBurst, connectionsPerSecond); the connection was closed unanswered.',
    action:
      'Nothing, if the source is a stranger. For a configured peer, check why it reconnects so often, or raise the limit.',
  },
  COLLECTOR_COLLISION: {
    category: 'upstream',
    description:
      'A peer opened a second connection while its session was established; the new one is refused.',
    action: 'Nothing to do unless it repeats; then check the peer for a restart loop.',
  },
  COLLECTOR_BAD_PEER_AS: {
    category: 'upstream',
    description:
      'The OPEN announces another AS than the configured one, or AS_TRANS without the 4-octet AS capability.',
    action: 'Make the configured peer ASN and the peer router agree.',
  },
  COLLECTOR_BAD_BGP_ID: {
    category: 'upstream',
    description: "The peer uses the collector's own BGP identifier.",
    action: 'Give the collector or the peer another router id.',
  },
  COLLECTOR_UNSUPPORTED_PARAMETER: {
    category: 'upstream',
    description: 'The OPEN has an optional parameter other than capabilities (RFC 4271 6.2).',
    action: 'Configure the peer to send only capabilities.',
  },
  COLLECTOR_UNEXPECTED_MESSAGE: {
    category: 'upstream',
    description:
      'A message arrived that the session state does not allow (a finite state machine error, RFC 4271 6.6).',
    action: 'Report it to the peer operator; the session is reset.',
  },
  COLLECTOR_OPEN_TIMEOUT: {
    category: 'upstream',
    description: 'No OPEN arrived within the hold time after the connection was accepted.',
    action: 'Check that the peer speaks BGP on this connection and is not blocked by a firewall.',
  },
  COLLECTOR_HOLD_TIMER_EXPIRED: {
    category: 'upstream',
    description: 'No KEEPALIVE or UPDATE arrived within the negotiated hold time.',
    action:
      "Check the link to the peer and the peer's load; the session is reset and the peer may reconnect.",
  },
  COLLECTOR_PEER_NOT_READING: {
    category: 'upstream',
    description: 'The peer does not read what the collector sends, and the output backlog passed its bound.',
    action: 'Check the peer; the connection is closed so it does not hold memory.',
  },
  COLLECTOR_TRUNCATED_MESSAGE: {
    category: 'upstream',
    description: 'The connection closed in the middle of a BGP message.',
    action: 'Nothing to do unless it repeats; the partial message is kept in the incident.',
  },
  COLLECTOR_INTERNAL: {
    category: 'internal',
    description: 'Handling a message threw an unexpected error; the session is reset.',
    action: 'Report a bug with the incident (it holds the bytes of the message).',
  },
  TEST_SPEAKER_CLOSED: {
    category: 'internal',
    description:
      'The test BGP speaker (used by tests only) closed before the message a test waited for arrived.',
    action: 'Read the test output: the collector closed the session, usually with an incident saying why.',
  },
} as const satisfies Record<string, CodeSpec>;

export type CollectorErrorCode = keyof typeof COLLECTOR_CODES;
