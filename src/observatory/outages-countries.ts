/**
 * Outage detection for many countries in one pass over the table's events: the same
 * `OutageDetector` per country (one definition of an outage), fed by one table listener that
 * routes each event only to the parts it can change, instead of every detector's three listeners
 * (clock, per-peer series, session resets and vanished prefixes) taking every event.
 *
 * What each detector would do with an event, and what the router does instead:
 * - its clock moves when the event's time is past the detector's: called only then, and the
 *   detectors are not visited at all for an event no later than every clock (most events);
 * - its per-peer series records the event only for a prefix of its own country: the prefix's
 *   country is looked up once (at its first announcement, as the series decides) and the event
 *   goes to that country's detector alone;
 * - a withdrawal that leaves an untracked prefix without routes goes into the ring of vanished
 *   prefixes: one ring for all, each entry naming the detector tracking the prefix, which skips it;
 * - an announcement closes a session reset of its peer: called only for detectors with one open,
 *   and only for an announcement of a peer some detector waits for;
 * - a peer going down reaches every part of every detector, as before.
 * Detectors are called in the order of the countries given, each part in the detector's own order,
 * so events, bins and the order of their listeners' calls are those of separate detectors.
 */
import { CairnError } from '../errors/index.js';
import type { Registry } from '../registry/index.js';
import type { RouteEvent, RouteListener, RoutingTable } from '../routing/index.js';
import { OutageDetector, RING, VanishedPrefixes, type OutageOptions } from './outages.js';
import {
  countryColumn,
  PathFacts,
  selectCountry,
  type CountryColumn,
  type VisibilityOptions,
} from './visibility.js';

/** Listeners of one detector, in the order it registered them. */
class Channel {
  readonly listeners: RouteListener[] = [];

  onEvent(listener: RouteListener): () => void {
    this.listeners.push(listener);
    return () => {
      const at = this.listeners.indexOf(listener);
      if (at >= 0) this.listeners.splice(at, 1);
    };
  }
}

interface Part {
  detector: OutageDetector;
  channel: Channel;
  /** The detector's tracker clock, its per-peer series and its own (resets, vanished) listeners. */
  clock: RouteListener;
  series: RouteListener;
  own: RouteListener;
}

const UNDECIDED = -2;
const NONE = -1;

/** Shared entries: a ring twice a detector's, so each still finds its newest RING others' entries. */
const SHARED_RING = 2 * RING;

export type CountryOutageOptions = OutageOptions & Omit<VisibilityOptions, 'select' | 'events'>;

/**
 * One `OutageDetector` per country over `table`, fed in one pass (see the module header):
 * `new CountryOutageDetectors(table, registry, ['KP', 'NP'], options).detectors[0].detector`.
 * Attach it to a table before replaying, as a detector.
 */
export class CountryOutageDetectors {
  readonly detectors: ReadonlyArray<{ country: string; detector: OutageDetector }>;
  private readonly parts: Part[];
  private readonly column: CountryColumn;
  /** Detector index of a country code of the column (NONE when not watched). */
  private readonly partOfCode: Int32Array<ArrayBuffer>;
  /** Per prefix id: UNDECIDED, NONE or the index of the detector tracking it. */
  private owner = new Int32Array(1024).fill(UNDECIDED);
  private readonly vanished = new VanishedPrefixes(SHARED_RING);
  private readonly paths: PathFacts;
  private readonly detach: () => void;
  /** A time no detector's clock is behind: an event not past it moves no clock. */
  private clocksAt = Number.NEGATIVE_INFINITY;
  /**
   * Per peer id, 1 when some detector waits for the peer's next announcement to close a session
   * reset (opened at the peer's peer-down, closed at its announcement; other peers' announcements
   * leave it open).
   */
  private resetPeers = new Uint8Array(64);

  constructor(
    readonly table: RoutingTable,
    registry: Registry,
    countries: readonly string[],
    options: CountryOutageOptions = {},
  ) {
    if (new Set(countries).size !== countries.length)
      throw new CairnError('OUTAGE_BAD_OPTION', 'each country is watched once', { field: 'countries' });
    this.column = countryColumn(registry, table);
    this.paths = new PathFacts(table);
    this.parts = countries.map((country, owner) => {
      const channel = new Channel();
      const detector = new OutageDetector(
        table,
        { ...options, select: selectCountry(registry, country), events: channel },
        { vanished: this.vanished, owner },
      );
      // The tracker's clock, then its per-peer series, then the detector's own listener.
      const [clock, series, own] = channel.listeners;
      if (channel.listeners.length !== 3)
        throw new CairnError('OUTAGE_BAD_OPTION', 'a detector registers three listeners', {
          field: 'events',
        });
      return { detector, channel, clock, series, own };
    });
    const codes = countries.map((country) => this.column.code(country));
    this.partOfCode = new Int32Array(Math.max(0, ...codes) + 1).fill(NONE);
    codes.forEach((code, index) => (this.partOfCode[code] = index));
    this.detectors = countries.map((country, index) => ({ country, detector: this.parts[index].detector }));
    this.detach = table.onEvent((event) => this.onTableEvent(event));
  }

  /** Marks whether some detector waits for peer `peerId`'s next announcement (to close its reset). */
  private markResets(peerId: number): void {
    if (peerId >= this.resetPeers.length) {
      const grown = new Uint8Array(Math.max(peerId + 1, this.resetPeers.length * 2));
      grown.set(this.resetPeers);
      this.resetPeers = grown;
    }
    this.resetPeers[peerId] = this.parts.some((part) => part.detector.hasOpenResetOf(peerId)) ? 1 : 0;
  }

  /** Every part took an event at `time`: every clock is at `time` or later (clocks only move forward). */
  private clocksPassed(time: number): void {
    if (time > this.clocksAt) this.clocksAt = time;
  }

  /** Stops listening to the table. */
  close(): void {
    this.detach();
    for (const part of this.parts) part.detector.close();
  }

  private ownerOf(event: Readonly<RouteEvent>): number {
    const prefixId = event.prefixId;
    if (prefixId >= this.owner.length) {
      const grown = new Int32Array(Math.max(prefixId + 1, this.owner.length * 2)).fill(UNDECIDED);
      grown.set(this.owner);
      this.owner = grown;
    }
    let owner = this.owner[prefixId];
    // Decided at the first announcement, as the per-peer series decide.
    if (owner === UNDECIDED && event.kind === 'announce') {
      const code = this.column.countryCodeOf(prefixId);
      owner = code < this.partOfCode.length ? this.partOfCode[code] : NONE;
      this.owner[prefixId] = owner;
    }
    return owner;
  }

  private onTableEvent(event: Readonly<RouteEvent>): void {
    const table = this.table;
    const parts = this.parts;
    if (event.kind === 'peer-down') {
      for (const part of parts) for (const listener of [...part.channel.listeners]) listener(event, table);
      this.clocksPassed(event.time);
      this.markResets(event.peerId);
      return;
    }
    const owner = this.ownerOf(event);
    const announce = event.kind === 'announce';
    const closesReset = announce && this.resetPeers[event.peerId] === 1;
    if (event.time <= this.clocksAt && !closesReset) {
      // No clock to move and no reset to close: the prefix's detector alone takes the event.
      if (owner >= 0) parts[owner].series(event, table);
    } else {
      for (let k = 0; k < parts.length; k++) {
        const part = parts[k];
        if (event.time > part.detector.tracker.now) part.clock(event, table);
        if (k === owner) part.series(event, table);
        if (announce && part.detector.hasOpenResets) part.own(event, table);
      }
      this.clocksPassed(event.time);
      if (closesReset) this.markResets(event.peerId);
    }
    if (!announce && event.cause === 'update' && table.prefixRouteCount(event.prefixId) === 0)
      this.vanished.push(event, this.paths, owner >= 0 ? owner : -1);
  }
}
