/**
 * observatory: how a country (or a network) reaches the Internet, from a routing table and a
 * registry. The country view lists the country's announced prefixes (registry longest match),
 * registered vs visible space, origin ASes and upstreams (first AS outside the country on each
 * path: `countryUpstream`, the one definition) with their share of the space, the dependency on every AS on the paths by the IHR
 * AS-hegemony method (per vantage point, sessions of a peer AS averaged, 10% trimmed mean across
 * peer ASes) and the chokepoints (dependency >= 0.99). The AS view and the address view answer the
 * same questions for one AS and one address. Every country at once is one pass over the routes.
 *
 * No I/O: it is handed a RoutingTable, a Registry and (optionally) AsNames.
 *
 * @example
 * import { Observatory } from '../observatory/index.js';
 * const observatory = new Observatory(table, registry, asNames);
 * const kp = observatory.country('KP');
 * kp.upstreams; // [{ asn: 4837, name: 'CHINA169-BACKBONE', country: 'CN', share: 1 }]
 * kp.chokepoints; // [4837]
 * observatory.rankCountries()[0]; // the most dependent single-upstream country
 */
export {
  CHOKEPOINT_THRESHOLD,
  Observatory,
  parseCountryCode,
  type AddressView,
  type AsView,
  type CountryRank,
  type CountryView,
  type Dependency,
  type OriginShare,
  type SpaceSize,
  type UpstreamShare,
} from './observatory.js';
export {
  HegemonyEngine,
  TRIM_FRACTION,
  routeGroupSlice,
  trimmedMean,
  type HegemonyResult,
  type HegemonyScore,
  type RouteGroup,
} from './hegemony.js';
export { NO_UPSTREAM, countryUpstream, originUpstream, upstreamOf } from './upstream.js';
export {
  LOST,
  LOST_BY_PEER_DOWN,
  PathFacts,
  PrefixCandidate,
  SEEN,
  VisibilityTracker,
  selectCountry,
  selectOrigin,
  selectPrefixes,
  type ClockListener,
  type PeerChange,
  type PrefixSelector,
  type PrefixVisibilityListener,
  type SpaceListener,
  type SpacePoint,
  type VisibilityOptions,
} from './visibility.js';
export {
  OUTAGE_DEFAULTS,
  OutageDetector,
  ScaledClock,
  formatDuration,
  runDetectorClock,
  type LostPeer,
  type NoDataListener,
  type NoDataPeriod,
  type NoDataReason,
  type OutageCoverage,
  type OutageEndReason,
  type OutageExtent,
  type OutageLevel,
  type OutageWindow,
  type OutageBin,
  type OutageCause,
  type OutageClassification,
  type OutageEvent,
  type OutageListener,
  type OutageOptions,
  type OutagePhase,
  type SessionReset,
} from './outages.js';
export { CountryOutageDetectors, type CountryOutageOptions } from './outages-countries.js';
export {
  OutageLifecycle,
  alertState,
  type OutageLifecycleEntry,
  type OutageLifecycleListener,
  type OutageLifecycleStep,
} from './outages-lifecycle.js';
export {
  LiveOutageDetection,
  MAX_ALERT_PREFIXES,
  MAX_ALERT_UPSTREAMS,
  outageAlertFields,
  outageRecoveryAlerts,
  type Alert,
  type AlertKind,
  type AlertListener,
  type DetectorStateAlert,
  type LiveDetectionOptions,
  type LivePeer,
  type OutageAlertFields,
  type OutageAlertSource,
  type OutageAlertState,
  type OutageCloseAlert,
  type OutageEscalationAlert,
  type OutageOpenAlert,
  type OutageRecoveryAlert,
  type OutageUnresolvedAlert,
  type OutageUpdateAlert,
  type SessionResetAlert,
  type SessionRestoredAlert,
} from './live.js';
// AS relationships and what-if removal (issue #19).
export {
  AsRelationships,
  DEFAULT_NOISE_PATHS,
  DEFAULT_PEER_DEGREE_RATIO,
  ValleyFreeReach,
  isReservedAsn,
  type AsLink,
  type RelationshipOptions,
  type RelationshipType,
} from './relationships.js';
export {
  PREFIX_FATES,
  RemovalSimulator,
  type CountryWhatIf,
  type FateSpace,
  type PrefixFate,
  type PrefixWhatIf,
  type VantageRoute,
} from './relationships-whatif.js';
export {
  HistoryRecorder,
  type DependencyShare,
  type DependencySnapshot,
  type HistoryOptions,
  type HistoryRecords,
  type PeerSessionReset,
  type PrefixChange,
  type VisibilityPoint,
  type VisibilityScope,
} from './history.js';
