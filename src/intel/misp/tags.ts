/**
 * MISP tags (draft-dulaunoy-misp-core-format, Tag) sorted into what cairn keeps: TLP markings,
 * galaxy clusters (`misp-galaxy:TYPE="VALUE"`) and plain labels.
 */

/** A TLP tag (`tlp:amber`, `tlp:amber+strict`, `tlp:clear`...), lower-cased, or undefined. */
export function tlpMarking(tag: string): string | undefined {
  const m = /^tlp:(white|clear|green|amber|amber\+strict|red|ex:chr)$/i.exec(tag.trim());
  return m === null ? undefined : `tlp:${m[1].toLowerCase()}`;
}

/** The galaxy type and cluster value a `misp-galaxy:` tag names, or undefined. */
export function galaxyTag(tag: string): { type: string; value: string } | undefined {
  const m = /^misp-galaxy:([A-Za-z0-9_-]+)="(.*)"$/s.exec(tag);
  return m === null ? undefined : { type: m[1], value: m[2] };
}

/** The `misp-galaxy:` tag of a cluster. */
export function galaxyTagOf(type: string, value: string): string {
  return `misp-galaxy:${type}="${value}"`;
}

/** Galaxy types whose clusters name malware or tools (become malware families the case `uses`). */
export const SOFTWARE_GALAXIES: ReadonlySet<string> = new Set([
  'malpedia',
  'tool',
  'mitre-malware',
  'mitre-tool',
  'mitre-enterprise-attack-malware',
  'mitre-enterprise-attack-tool',
  'ransomware',
  'rat',
  'backdoor',
  'banker',
  'stealer',
  'botnet',
  'android',
  'exploit-kit',
]);

/** Whether a galaxy type names ATT&CK techniques (`mitre-attack-pattern`, `mitre-enterprise-attack-attack-pattern`). */
export function isAttackPatternGalaxy(type: string): boolean {
  return type.includes('attack-pattern');
}

/** The ATT&CK id at the end of a cluster value (`Malware - T1587.001`, `BADNEWS - S0128`). */
export function attackIdOf(value: string): string | undefined {
  return / - ([TS]\d{4}(?:\.\d{3})?)$/.exec(value)?.[1];
}

/**
 * The `confidence-level` taxonomy predicate for a confidence in 0..1 (MISP taxonomies,
 * confidence-level: completely, usually, fairly, rarely confident, unconfident).
 */
export function confidenceLevelTag(confidence: number): string {
  const level =
    confidence >= 0.95
      ? 'completely-confident'
      : confidence >= 0.75
        ? 'usually-confident'
        : confidence >= 0.5
          ? 'fairly-confident'
          : confidence >= 0.25
            ? 'rarely-confident'
            : 'unconfident';
  return `confidence-level:${level}`;
}
