/**
 * The evidence model: plain data records for cases, indicators, actors, malware families,
 * techniques, reports, sources, relationships and sightings. Every record carries its provenance
 * (where the fact was read) and a confidence on the STIX 0–100 scale.
 */

/** Kinds of indicator cairn knows how to normalise and match. */
export const INDICATOR_TYPES = [
  'ipv4',
  'ipv6',
  'cidr',
  'domain',
  'hostname',
  'url',
  'email',
  'md5',
  'sha1',
  'sha256',
  'sha512',
  'ssdeep',
  'tlsh',
  'imphash',
  'rich-header',
  'filename',
  'mutex',
  'string',
  'yara-rule',
  'byte-pattern',
  'attack-technique',
] as const;

/** One of {@link INDICATOR_TYPES}. */
export type IndicatorType = (typeof INDICATOR_TYPES)[number];

/** Where a fact was read. `file` is always set; give every other field that is known. */
export interface Provenance {
  /** Source label, usually the path of the file relative to the corpus root. */
  file: string;
  /** Id of the object in the source (STIX id, MISP uuid, ATT&CK external id...). */
  objectId?: string;
  /** 1-based line number for line-oriented inputs. */
  line?: number;
  /** JSON path, e.g. `$.objects[12].pattern`. */
  path?: string;
}

/**
 * Default confidence when a source states none: STIX 2.1 §A ("None/Low/Med/High" = 0/15/50/85)
 * maps "Med" to 50. A record says whether its confidence was stated or defaulted.
 */
export const DEFAULT_CONFIDENCE = 50;

/** Fields every fact has. */
export interface Fact {
  /** Stable id within the graph. For STIX inputs this is the STIX id. */
  id: string;
  provenance: Provenance;
  /** 0–100 (STIX 2.1 confidence scale). */
  confidence: number;
  /** False when {@link DEFAULT_CONFIDENCE} (or an importer option) was used. */
  confidenceStated: boolean;
}

/** One indicator as one source states it. The same value seen twice gives two facts. */
export interface Indicator extends Fact {
  kind: 'indicator';
  type: IndicatorType;
  /** Normalised value used for matching (lower-case hashes and domains, canonical IPs...). */
  value: string;
  /** Exactly what the source said (defanged, upper-case, with spaces...). */
  original: string;
  /** Type label as the source wrote it (`ip-dst`, `SHA256`, `file:hashes.'SHA-256'`...). */
  sourceType?: string;
  /** Free-text comment or note the source attached. */
  comment?: string;
  /** Cases (incidents, events, report lists) the indicator belongs to. */
  caseIds: string[];
  /** Reports that list it. */
  reportIds: string[];
  labels: string[];
  /** ISO 8601 times, when the source gives them. */
  validFrom?: string;
  firstSeen?: string;
  lastSeen?: string;
  /** True when the source marks it for detection (MISP `to_ids`, STIX indicator). */
  forDetection?: boolean;
  /** Handling markings the source attaches (`tlp:amber`, `tlp:red`...). */
  markings?: string[];
  /** Id shared by the typed parts of one composite observation (MISP `filename|md5`...). */
  observationId?: string;
  /** What a MISP attribute says beyond the value (see src/intel/misp/README.md). */
  misp?: MispAttributeMeta;
  /** A `yara-rule` value's rule as the matching engine reported it (the user's rule file's `meta:`). */
  yaraRule?: YaraRuleFacts;
}

/** What a matched YARA rule says of itself: its namespace, tags and `meta:` fields. */
export interface YaraRuleFacts {
  namespace?: string;
  tags: string[];
  meta: Record<string, string | number | boolean>;
}

/** MISP attribute fields that are not the value (draft-dulaunoy-misp-core-format, Attribute). */
export interface MispAttributeMeta {
  uuid?: string;
  category?: string;
  /** 0 organisation .. 3 all communities, 4 sharing group, 5 inherit from the event. */
  distribution?: number;
  sharingGroup?: string;
  /** ISO 8601 from the Unix `timestamp`. */
  timestamp?: string;
  /** The MISP object holding the attribute, and the attribute's relation in it. */
  object?: { uuid?: string; name: string; relation?: string };
  /** The whole value of a composite attribute (`evil.exe|9e107d9d…`), kept for export. */
  compositeValue?: string;
}

/** One MISP sighting as read (draft-dulaunoy-misp-core-format, Sighting). */
export interface MispSightingRecord {
  /** 0 seen, 1 false positive, 2 expiration. */
  type: number;
  /** The attribute it is of (from the attribute it sits in, or its `attribute_uuid`). */
  attributeUuid?: string;
  /** ISO 8601 from the Unix `date_sighting`. */
  date?: string;
  source?: string;
  uuid?: string;
  /** The organisation that reported it (`Organisation.name`). */
  org?: string;
}

/** A MISP event's fields that are not indicators (draft-dulaunoy-misp-core-format, Event). */
export interface MispEventMeta {
  uuid?: string;
  orgc?: string;
  distribution?: number;
  sharingGroup?: string;
  threatLevel?: number;
  analysis?: number;
  published?: boolean;
  timestamp?: string;
  publishTimestamp?: string;
  extendsUuid?: string;
  /** Every event-level tag as written (TLP, galaxy and taxonomy tags included). */
  tags: string[];
  /** Galaxy clusters attached to the event or its attributes (with their description and meta, synonyms included). */
  galaxies: {
    type: string;
    value: string;
    uuid?: string;
    description?: string;
    meta?: Record<string, unknown>;
  }[];
  objects: { uuid?: string; name: string; metaCategory?: string; comment?: string; attributes: number }[];
  /** Sightings by MISP sighting type (0 seen, 1 false positive, 2 expiration). */
  sightings: { seen: number; falsePositive: number; expiration: number };
  /** Every sighting as read, so that an export writes each one back. */
  sightingRecords?: MispSightingRecord[];
  /** ShadowAttribute proposals: kept apart, never evidence unless the import asks for them. */
  proposals: MispProposal[];
  /** Attributes that are context, not indicators (`text`, `comment`, unknown types...). */
  context: MispContext[];
  /** Attributes of types cairn does not know, counted by type. */
  unknownTypes: Record<string, number>;
  /** Attributes and objects marked `deleted`, skipped. */
  deleted: number;
}

/** A MISP attribute kept as context of the case rather than as an indicator. */
export interface MispContext {
  type: string;
  value: string;
  uuid?: string;
  category?: string;
  comment?: string;
  object?: { uuid?: string; name: string; relation?: string };
  path: string;
}

/** A MISP ShadowAttribute: a third party's proposal to add or change an attribute. */
export interface MispProposal {
  type: string;
  value: string;
  category?: string;
  toIds?: boolean;
  /** The attribute the proposal would change, when it names one. */
  attributeUuid?: string;
  comment?: string;
  path: string;
}

/** An incident, campaign, MISP event or labelled indicator list. */
export interface Case extends Fact {
  kind: 'case';
  /** Where the case comes from. */
  caseKind: 'incident' | 'campaign' | 'misp-event' | 'report-list';
  name: string;
  description?: string;
  /** ISO 8601 date or time. */
  date?: string;
  firstSeen?: string;
  lastSeen?: string;
  aliases: string[];
  labels: string[];
  /** Actor names the source itself attaches (MISP threat-actor galaxy, CSV attribution column). */
  actorLabels: string[];
  /** ATT&CK technique ids the source attaches (MISP attack-pattern galaxy). */
  techniqueIds: string[];
  externalIds: string[];
  revoked: boolean;
  deprecated: boolean;
  /** Handling markings the source attaches (`tlp:amber`...). */
  markings?: string[];
  /** What a MISP event says beyond its indicators. */
  misp?: MispEventMeta;
}

/**
 * A case with no aliases, labels, actor labels, techniques or external ids, neither revoked nor
 * deprecated, and a confidence no source stated: importers fill in what their source says.
 */
export function emptyCase(
  id: string,
  name: string,
  caseKind: Case['caseKind'],
  provenance: Provenance,
  confidence: number = DEFAULT_CONFIDENCE,
): Case {
  return {
    kind: 'case',
    id,
    provenance,
    confidence,
    confidenceStated: false,
    caseKind,
    name,
    aliases: [],
    labels: [],
    actorLabels: [],
    techniqueIds: [],
    externalIds: [],
    revoked: false,
    deprecated: false,
  };
}

/** A threat actor or intrusion set. */
export interface Actor extends Fact {
  kind: 'actor';
  name: string;
  aliases: string[];
  /** ATT&CK ids (G0032) and other catalogue ids. */
  externalIds: string[];
  /** ISO 3166-1 alpha-2, when the source gives one. */
  country?: string;
  description?: string;
  revoked: boolean;
  deprecated: boolean;
}

/** A malware family or tool. */
export interface MalwareFamily extends Fact {
  kind: 'malware';
  name: string;
  /** `tool` for ATT&CK/STIX tools, `malware` otherwise. */
  softwareKind: 'malware' | 'tool';
  aliases: string[];
  externalIds: string[];
  description?: string;
  revoked: boolean;
  deprecated: boolean;
}

/** An ATT&CK technique or STIX attack-pattern. */
export interface Technique extends Fact {
  kind: 'technique';
  name: string;
  /** ATT&CK id, e.g. `T1059.001`, when there is one. */
  externalId?: string;
  tactics: string[];
  isSubtechnique: boolean;
  revoked: boolean;
  deprecated: boolean;
}

/** A published report (STIX report, MISP link, labelled IOC list). */
export interface Report extends Fact {
  kind: 'report';
  name: string;
  published?: string;
  urls: string[];
  /** Ids of the objects the report covers. */
  objectRefs: string[];
}

/** A feed or file that evidence came from. */
export interface Source extends Fact {
  kind: 'source';
  name: string;
  format: 'stix' | 'attack' | 'misp-event' | 'misp-galaxy' | 'csv' | 'ioc-list';
  /** STIX `spec_version` or format version, when known. */
  version?: string;
}

/** Relationship types of the model; STIX types outside this list are kept in `sourceType`. */
export const RELATIONSHIP_TYPES = [
  'attributed-to',
  'uses',
  'indicates',
  'variant-of',
  'related-to',
  'subtechnique-of',
  'revoked-by',
  'targets',
  'derived-from',
  'duplicate-of',
] as const;

/** One of {@link RELATIONSHIP_TYPES}. */
export type RelationshipType = (typeof RELATIONSHIP_TYPES)[number];

/** A typed, directed link between two facts. */
export interface Relationship extends Fact {
  kind: 'relationship';
  type: RelationshipType;
  /** The type as the source wrote it when it differs (e.g. a STIX custom relationship). */
  sourceType?: string;
  sourceRef: string;
  targetRef: string;
  description?: string;
  revoked: boolean;
  deprecated: boolean;
}

/** A STIX sighting: something was seen somewhere. */
export interface Sighting extends Fact {
  kind: 'sighting';
  sightingOfRef: string;
  observedDataRefs: string[];
  whereSightedRefs: string[];
  firstSeen?: string;
  lastSeen?: string;
  count?: number;
}

/** Any fact the graph holds. */
export type EvidenceObject =
  Indicator | Case | Actor | MalwareFamily | Technique | Report | Source | Relationship | Sighting;

/** Discriminant of {@link EvidenceObject}. */
export type EvidenceKind = EvidenceObject['kind'];
