/**
 * Where the collector archives what it receives. The collector only defines this interface:
 * the MRT archive (src/mrt) sits above bgp in the module map, so the application layer hands the
 * collector an MRT-writing sink (src/app/collect-archive.ts) and tests may hand it anything.
 *
 * @example
 * const archive: CollectorArchive = createCollectorArchive(config, { logger }); // src/app
 * const collector = new BgpCollector(config, { archive });
 */
import type { IpAddress } from '../../net/index.js';
import type { UnixTime } from '../clock.js';

/** The two ends of one session, as an archive record names them (RFC 6396 4.4.2 peer header). */
export interface ArchiveSessionInfo {
  peerAsn: number;
  localAsn: number;
  peerAddress: IpAddress;
  localAddress: IpAddress;
  /**
   * The session carries 4-byte ASNs in its AS_PATHs (assumed until the OPEN says otherwise; the
   * collector then asks for a new `SessionArchive` with `as4: false`).
   */
  as4: boolean;
}

/** The archive of one session; built once per session (and again if `as4` changes). */
export interface SessionArchive {
  /** A received BGP message, header included; `addPath`: its NLRI carry path identifiers. */
  message(time: UnixTime, raw: Uint8Array, addPath: boolean): void;
  /** A state change, numbered as RFC 6396 4.4.1 numbers them (1 Idle .. 6 Established). */
  stateChange(time: UnixTime, oldState: number, newState: number): void;
}

export interface CollectorArchive {
  /** Opens the archive of a session; both addresses are of the same family. */
  session(info: ArchiveSessionInfo): SessionArchive;
  /** True while the archive has more queued than it wants: the collector pauses its sockets. */
  readonly congested: boolean;
  /** Registers a callback for the end of congestion (the collector resumes its sockets). */
  onDrain(listener: () => void): void;
  /** Called by `BgpCollector.stop()`; resolves when everything is written. */
  close(): Promise<void>;
}
