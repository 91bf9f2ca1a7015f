import type {
  Actor,
  Case,
  EvidenceKind,
  EvidenceObject,
  Indicator,
  IndicatorType,
  MalwareFamily,
  Relationship,
  RelationshipType,
  Report,
  Sighting,
  Source,
  Technique,
} from './model.js';
import { detectIndicatorType, normalizeIndicator } from './normalize.js';

type ByKind = {
  [K in EvidenceKind]: Extract<EvidenceObject, { kind: K }>;
};

/** Key of the value index: type and normalised value. */
function valueKey(type: IndicatorType, value: string): string {
  return `${type}\u0000${value}`;
}

/**
 * In-memory evidence graph: every fact by id, indicators indexed by (type, normalised value), by
 * normalised value alone and by type, relationships indexed by both ends. Ids are unique: adding
 * a fact whose id is already present keeps the first and returns false, so re-importing the same
 * file is idempotent.
 */
export class EvidenceGraph {
  private readonly byId = new Map<string, EvidenceObject>();
  private readonly byKindMap = new Map<EvidenceKind, EvidenceObject[]>();
  private readonly byTypeValue = new Map<string, Indicator[]>();
  private readonly byValueOnly = new Map<string, Indicator[]>();
  private readonly byType = new Map<IndicatorType, Indicator[]>();
  private readonly outgoing = new Map<string, Relationship[]>();
  private readonly incoming = new Map<string, Relationship[]>();
  private readonly byCase = new Map<string, Indicator[]>();

  /** Number of facts held. */
  get size(): number {
    return this.byId.size;
  }

  /** Adds a fact. Returns false (and keeps the existing one) when its id is already present. */
  add(fact: EvidenceObject): boolean {
    if (this.byId.has(fact.id)) return false;
    this.byId.set(fact.id, fact);
    push(this.byKindMap, fact.kind, fact);
    if (fact.kind === 'indicator') {
      push(this.byTypeValue, valueKey(fact.type, fact.value), fact);
      push(this.byValueOnly, fact.value, fact);
      push(this.byType, fact.type, fact);
      for (const c of fact.caseIds) push(this.byCase, c, fact);
    } else if (fact.kind === 'relationship') {
      push(this.outgoing, fact.sourceRef, fact);
      push(this.incoming, fact.targetRef, fact);
    }
    return true;
  }

  /** Adds a case id to an indicator already in the graph (keeps the case index right). */
  addIndicatorToCase(indicator: Indicator, caseId: string): void {
    if (indicator.caseIds.includes(caseId)) return;
    indicator.caseIds.push(caseId);
    if (this.byId.get(indicator.id) === indicator) push(this.byCase, caseId, indicator);
  }

  /** The fact with this id. */
  get(id: string): EvidenceObject | undefined {
    return this.byId.get(id);
  }

  /** The fact with this id if it is of `kind`. */
  getAs<K extends EvidenceKind>(kind: K, id: string): ByKind[K] | undefined {
    const f = this.byId.get(id);
    return f !== undefined && f.kind === kind ? (f as ByKind[K]) : undefined;
  }

  /** All facts of one kind, in insertion order. */
  all<K extends EvidenceKind>(kind: K): readonly ByKind[K][] {
    return (this.byKindMap.get(kind) ?? []) as ByKind[K][];
  }

  get indicators(): readonly Indicator[] {
    return this.all('indicator');
  }
  get cases(): readonly Case[] {
    return this.all('case');
  }
  get actors(): readonly Actor[] {
    return this.all('actor');
  }
  get malware(): readonly MalwareFamily[] {
    return this.all('malware');
  }
  get techniques(): readonly Technique[] {
    return this.all('technique');
  }
  get reports(): readonly Report[] {
    return this.all('report');
  }
  get sources(): readonly Source[] {
    return this.all('source');
  }
  get relationships(): readonly Relationship[] {
    return this.all('relationship');
  }
  get sightings(): readonly Sighting[] {
    return this.all('sighting');
  }

  /** Indicators of `type` whose normalised value equals `value` normalised as that type. */
  findIndicator(type: IndicatorType, value: string): readonly Indicator[] {
    const n = normalizeIndicator(type, value);
    return n.ok ? (this.byTypeValue.get(valueKey(type, n.value)) ?? []) : [];
  }

  /**
   * Indicators matching a bare value: its type is detected, it is normalised, and every
   * indicator with that normalised value (of any type) is returned.
   */
  findByValue(value: string): readonly Indicator[] {
    const n = normalizeIndicator(detectIndicatorType(value), value);
    const key = n.ok ? n.value : value;
    return this.byValueOnly.get(key) ?? [];
  }

  /** All indicators of one type. */
  indicatorsOfType(type: IndicatorType): readonly Indicator[] {
    return this.byType.get(type) ?? [];
  }

  /** Distinct (type, normalised value) pairs with how many facts state each. */
  distinctIndicatorValues(): Map<string, { type: IndicatorType; value: string; facts: number }> {
    const out = new Map<string, { type: IndicatorType; value: string; facts: number }>();
    for (const [k, list] of this.byTypeValue)
      out.set(k, { type: list[0].type, value: list[0].value, facts: list.length });
    return out;
  }

  /** Indicators of a case. */
  indicatorsOfCase(caseId: string): readonly Indicator[] {
    return this.byCase.get(caseId) ?? [];
  }

  /** Relationships leaving `id`, optionally of one type. */
  relationshipsFrom(id: string, type?: RelationshipType): readonly Relationship[] {
    const list = this.outgoing.get(id) ?? [];
    return type === undefined ? list : list.filter((r) => r.type === type);
  }

  /** Relationships arriving at `id`, optionally of one type. */
  relationshipsTo(id: string, type?: RelationshipType): readonly Relationship[] {
    const list = this.incoming.get(id) ?? [];
    return type === undefined ? list : list.filter((r) => r.type === type);
  }

  /** Counts of facts per kind. */
  counts(): Record<EvidenceKind, number> {
    const kinds: EvidenceKind[] = [
      'indicator',
      'case',
      'actor',
      'malware',
      'technique',
      'report',
      'source',
      'relationship',
      'sighting',
    ];
    const out = {} as Record<EvidenceKind, number>;
    for (const k of kinds) out[k] = this.byKindMap.get(k)?.length ?? 0;
    return out;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/** Alias kept for readers who think of the graph as the corpus of evidence. */
export { EvidenceGraph as Corpus };
