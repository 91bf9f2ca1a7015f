/**
 * Samples as a case: the values of `cairn intel sample` results that correlation uses (exact and
 * fuzzy hashes, imphash, Rich header hash, YARA rule names, network strings), each with where in
 * the sample's report it was read, and the importer of the report's JSON lines (so that
 * `intel sample --json > s.jsonl` is a case file `intel attribute --case` reads).
 */
import { addIndicator, beginImport } from '../facts.js';
import type { EvidenceGraph } from '../graph.js';
import { decodeInput } from '../json-scan.js';
import type { Case, IndicatorType, YaraRuleFacts } from '../model.js';
import { ReportBuilder, type ImportReport } from '../report.js';
import { cairnId } from '../uuid.js';

/** What the case needs of one `intel sample` result (app's SampleFileJson has this shape). */
export interface SampleEntryLike {
  file: string;
  facts?: {
    hashes: { md5: string; sha1: string; sha256: string; ssdeep: string; tlsh?: string };
    pe?: { imphash: string; rich?: { md5: string } };
    strings: ReadonlyArray<{ kind: string; value: string; offset: number }>;
  };
  yara?: ReadonlyArray<{
    rule: string;
    namespace?: string;
    tags?: readonly string[];
    meta?: Readonly<Record<string, string | number | boolean>>;
  }>;
}

/** One value of a sample case. */
export interface SampleCaseValue {
  type: IndicatorType;
  value: string;
  comment: string;
  /** The sample file it was read from. */
  sample: string;
  /** JSON path of the value in the sample's result. */
  path: string;
  /** For a `yara-rule`: the rule's namespace, tags and metadata as the scan reported them. */
  yaraRule?: YaraRuleFacts;
}

const STRING_TYPES: Readonly<Record<string, IndicatorType>> = {
  ipv4: 'ipv4',
  ipv6: 'ipv6',
  url: 'url',
  domain: 'domain',
  email: 'email',
  hostname: 'hostname',
};

/**
 * The values of the samples that correlation can use, each (type, value) once, in order: hashes,
 * build traits, YARA rules, network strings (credentials are not indicators and stay in the
 * sample report).
 */
export function sampleCaseValues(entries: readonly SampleEntryLike[]): SampleCaseValue[] {
  const values: SampleCaseValue[] = [];
  const seen = new Set<string>();
  const add = (
    entry: SampleEntryLike,
    type: IndicatorType,
    value: string | undefined,
    comment: string,
    at: string,
    yaraRule?: YaraRuleFacts,
  ): void => {
    if (value === undefined || value === '' || seen.has(`${type}\u0000${value}`)) return;
    seen.add(`${type}\u0000${value}`);
    values.push({ type, value, comment, sample: entry.file, path: at, ...(yaraRule ? { yaraRule } : {}) });
  };
  for (const e of entries) {
    const facts = e.facts;
    if (facts === undefined) continue;
    const name = baseName(e.file);
    for (const type of ['md5', 'sha1', 'sha256', 'ssdeep', 'tlsh'] as const)
      add(e, type, facts.hashes[type], `${type} of sample ${name}`, `$.facts.hashes.${type}`);
    add(e, 'imphash', facts.pe?.imphash, `imphash of sample ${name}`, '$.facts.pe.imphash');
    add(e, 'rich-header', facts.pe?.rich?.md5, `Rich header hash of sample ${name}`, '$.facts.pe.rich.md5');
    (e.yara ?? []).forEach((m, i) =>
      add(e, 'yara-rule', m.rule, `sample ${name} matches YARA rule ${m.rule}`, `$.yara[${i}].rule`, {
        ...(m.namespace !== undefined ? { namespace: m.namespace } : {}),
        tags: [...(m.tags ?? [])],
        meta: { ...(m.meta ?? {}) },
      }),
    );
    facts.strings.forEach((s, i) => {
      const type = STRING_TYPES[s.kind];
      if (type !== undefined)
        add(
          e,
          type,
          s.value,
          `${s.kind} in sample ${name} at offset ${s.offset}`,
          `$.facts.strings[${i}].value`,
        );
    });
  }
  return values;
}

/** The id of the case named `name` that samples are added to (the same name, the same case). */
export function sampleCaseId(name: string): string {
  return cairnId('case', `sample-case:${name}`);
}

/** The id of one value of a sample case (the same value added again replaces, never doubles). */
export function sampleValueId(caseId: string, type: IndicatorType, value: string): string {
  return cairnId('indicator', `${caseId}\u0000${type}\u0000${value}`);
}

/** A sample case's record (an incident, named as the analyst names it). */
export function sampleCase(name: string, file: string): Case {
  return {
    kind: 'case',
    id: sampleCaseId(name),
    provenance: { file },
    confidence: 100,
    confidenceStated: false,
    caseKind: 'incident',
    name,
    aliases: [],
    labels: ['samples'],
    actorLabels: [],
    techniqueIds: [],
    externalIds: [],
    revoked: false,
    deprecated: false,
  };
}

/**
 * Adds the sample values to `graph` as the case `caseName`; returns the import report (a bad
 * value is an issue with its sample file and JSON path, never a throw).
 */
export function addSampleValues(
  graph: EvidenceGraph,
  caseName: string,
  values: readonly SampleCaseValue[],
  options: { file: string; line?: (v: SampleCaseValue) => number | undefined; report?: ReportBuilder },
): ImportReport {
  const report = options.report ?? new ReportBuilder(options.file);
  const ctx = beginImport(graph, report, { file: options.file }, 'ioc-list');
  const c = sampleCase(caseName, options.file);
  if (graph.add(c)) report.added('case');
  for (const v of values) {
    const line = options.line?.(v);
    addIndicator(ctx, {
      id: sampleValueId(c.id, v.type, v.value),
      type: v.type,
      original: v.value,
      sourceType: `cairn-sample ${v.type}`,
      comment: v.comment,
      caseIds: [c.id],
      provenance: {
        file: options.file,
        ...(line !== undefined ? { line } : {}),
        path: v.path,
        objectId: v.sample,
      },
      confidence: { confidence: 100, stated: false },
      forDetection: true,
      ...(v.yaraRule !== undefined ? { yaraRule: v.yaraRule } : {}),
    });
  }
  return report.report;
}

/** True when the text starts like `cairn intel sample --json` output (one result per line). */
export function looksLikeSampleJson(head: string): boolean {
  return /^\s*\{"file":"(?:[^"\\]|\\.)*","(facts|error)":/.test(head);
}

/**
 * Imports `cairn intel sample --json` output (JSON lines) as one case named after the file; a line
 * that is not a sample result is an issue with its line number.
 */
export function importSampleJson(
  graph: EvidenceGraph,
  input: Uint8Array | string,
  options: { file?: string; caseName?: string } = {},
): ImportReport {
  const file = options.file ?? '<samples>';
  let text: string;
  try {
    text = decodeInput(input, file);
  } catch (error) {
    const report = new ReportBuilder(file);
    report.issue('INTEL_BAD_INPUT', (error as Error).message);
    return report.report;
  }
  const entries: SampleEntryLike[] = [];
  const lineOf = new Map<string, number>();
  const bad: number[] = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    try {
      const entry = JSON.parse(raw) as SampleEntryLike;
      if (typeof entry.file !== 'string') throw new Error('no file');
      entries.push(entry);
      if (!lineOf.has(entry.file)) lineOf.set(entry.file, i + 1);
    } catch {
      bad.push(i + 1);
    }
  });
  const report = new ReportBuilder(file);
  report.report.recordsRead = entries.length + bad.length;
  for (const line of bad) report.issue('INTEL_BAD_JSON', 'line is not a cairn intel sample result', { line });
  return addSampleValues(graph, options.caseName ?? baseName(file), sampleCaseValues(entries), {
    file,
    line: (v) => lineOf.get(v.sample),
    report,
  });
}

function baseName(file: string): string {
  return file.replace(/\\/g, '/').replace(/.*\//, '');
}
