/**
 * Loading a corpus: picks the importer for each file (by path inside a corpus folder, else by
 * content) and applies the `cairn-labels` manifests that travel beside lists (labels.ts). No
 * actor label comes from a path pattern: labels are in the data (galaxy tags, STIX relationships,
 * list labels and titles) or in a manifest beside the list. No I/O: the caller reads the files and
 * hands over their bytes.
 */
import { buildAttackIndex, importAttack } from './attack.js';
import type { AttackIndex } from './attack.js';
import { importIndicatorList } from './csv.js';
import type { EvidenceGraph } from './graph.js';
import { decodeInput } from './json-scan.js';
import type { ByteSource } from './json-stream.js';
import {
  MispFeedHashes,
  checkMispFeedHashes,
  importMispEvent,
  importMispGalaxy,
  importMispSource,
  readMispFeedHashes,
} from './misp/index.js';
import { LABELS_MANIFEST, globMatches, parseLabelsManifest } from './labels.js';
import type { LabelRule, Reliability } from './labels.js';
import { ReportBuilder } from './report.js';
import type { ImportReport } from './report.js';
import { WarninglistIndex } from './warninglists.js';
import { parseYaraRules } from './yara.js';
import type { Provenance } from './model.js';
import { importStixBundle } from './stix-import.js';
import { importSampleJson, looksLikeSampleJson } from './sample/index.js';

/** Formats {@link importFile} can tell apart. */
export type IntelFormat =
  | 'attack'
  | 'stix'
  | 'misp-event'
  | 'misp-galaxy'
  | 'misp-feed-hashes'
  | 'indicator-list'
  | 'sample-json'
  | 'labels'
  | 'warninglist'
  | 'skip';

/** Format of a file from its corpus path, or from its content when the path says nothing. */
export function detectFormat(path: string, bytes: Uint8Array): IntelFormat {
  const p = path.replace(/\\/g, '/');
  if (baseName(p) === LABELS_MANIFEST) return 'labels';
  if (/(^|\/)warninglists\/lists\/[^/]+\/list\.json(\.gz)?$/.test(p)) return 'warninglist';
  if (/(^|\/)(LICENSE|PROVENANCE|README)[^/]*$/i.test(p) || /\.(md|adoc|yar|yara|txt\.sig)$/i.test(p))
    return 'skip';
  if (/(^|\/)attack\/[^/]+\.json(\.gz)?$/.test(p)) return 'attack';
  if (/(^|\/)misp-galaxy\/galaxies\//.test(p)) return 'skip';
  if (/(^|\/)misp-galaxy\/clusters\//.test(p)) return 'misp-galaxy';
  if (baseName(p) === 'hashes.csv') return 'misp-feed-hashes';
  let head: string;
  try {
    head = decodeInput(bytes, path).slice(0, 4096);
  } catch {
    return 'indicator-list';
  }
  const t = head.trimStart();
  if (looksLikeSampleJson(t)) return 'sample-json';
  if (t.startsWith('{') || t.startsWith('[')) {
    if (/"type"\s*:\s*"bundle"/.test(head)) return /x-mitre-|"x_mitre_/.test(head) ? 'attack' : 'stix';
    if (/"(Event|response)"\s*:/.test(head)) return 'misp-event';
    if (/"values"\s*:/.test(head) && /"(uuid|name)"\s*:/.test(head)) return 'misp-galaxy';
    if (/"objects"\s*:/.test(head)) return 'stix';
    return 'misp-event';
  }
  return 'indicator-list';
}

/**
 * A file its reader reads as it goes: its first bytes (enough to tell its format), a source of
 * its bytes by position, and the whole of it on demand for the importers that need it.
 */
export interface FileBytes {
  head: Uint8Array;
  source: ByteSource;
  whole(): Uint8Array;
}

/** Bytes of the head handed to {@link detectFormat} by a {@link FileBytes} reader. */
export const FORMAT_HEAD_BYTES = 64 * 1024;

function wholeOf(input: Uint8Array | FileBytes): Uint8Array {
  return isFileBytes(input) ? input.whole() : input;
}

function isFileBytes(input: Uint8Array | FileBytes): input is FileBytes {
  return !(input instanceof Uint8Array);
}

/** True when the head is plain UTF-8 (no gzip, no UTF-16): a MISP event is then read as it goes. */
function plainUtf8(head: Uint8Array): boolean {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return false;
  if (head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)))
    return false;
  return !head.subarray(0, 64).includes(0);
}

/** The head cut back to a whole UTF-8 character, so that decoding it cannot fail on the cut. */
function wholeCharacters(head: Uint8Array): Uint8Array {
  let end = head.length;
  let back = 0;
  while (end > 0 && back < 4 && (head[end - 1] & 0xc0) === 0x80) {
    end--;
    back++;
  }
  if (end > 0 && head[end - 1] >= 0xc0) end--;
  return head.subarray(0, end);
}

/** Format of a file read as it goes (gzip heads are judged on the whole file). */
export function detectFileFormat(path: string, input: Uint8Array | FileBytes): IntelFormat {
  if (!isFileBytes(input)) return detectFormat(path, input);
  return plainUtf8(input.head)
    ? detectFormat(path, wholeCharacters(input.head))
    : detectFormat(path, input.whole());
}

/** Choices of {@link importFile} that some formats read. */
export interface FileImportOptions {
  /** MISP: ShadowAttribute proposals are imported as indicators too (labelled `misp:proposal`). */
  proposalsAsEvidence?: boolean;
}

/**
 * Imports one file with the importer its format needs. A MISP event handed as {@link FileBytes}
 * is read as it goes; every other format reads the whole file.
 */
export function importFile(
  graph: EvidenceGraph,
  path: string,
  input: Uint8Array | FileBytes,
  format: IntelFormat = detectFileFormat(path, input),
  importOptions: FileImportOptions = {},
): { format: IntelFormat; report: ImportReport | undefined } {
  const options = { file: path };
  const mispOptions = { ...options, proposalsAsEvidence: importOptions.proposalsAsEvidence === true };
  if (isFileBytes(input) && format === 'misp-event' && plainUtf8(input.head))
    return { format, report: importMispSource(graph, input.source, mispOptions) };
  const bytes = isFileBytes(input) ? input.whole() : input;
  switch (format) {
    case 'attack':
      return { format, report: importAttack(graph, bytes, options).report };
    case 'stix':
      return { format, report: importStixBundle(graph, bytes, options) };
    case 'misp-event':
      return { format, report: importMispEvent(graph, bytes, mispOptions) };
    case 'misp-galaxy':
      return { format, report: importMispGalaxy(graph, bytes, options) };
    case 'indicator-list':
      // Each labelled line (report title, pulse) becomes its own case; unlabelled lines the file's.
      return { format, report: importIndicatorList(graph, bytes, options) };
    case 'sample-json':
      return { format, report: importSampleJson(graph, bytes, options) };
    default:
      return { format, report: undefined };
  }
}

/** A loaded corpus. */
export interface LoadedCorpus {
  attack: AttackIndex;
  /** Actor labels by case id from the `cairn-labels` manifests beside the lists. */
  labels: Map<string, string[]>;
  /** Source reliability by file (corpus path), from the manifests. */
  reliability: Map<string, Reliability>;
  /** MISP warninglists found among the files. */
  warninglists: WarninglistIndex;
  reports: ImportReport[];
  /** Case ids each file created, by path. */
  casesByFile: Map<string, string[]>;
  /** YARA rules of the corpus's rule files by rule name (the first file naming one), with their metadata. */
  yaraRules: Map<string, YaraRuleMeta>;
  /** The hashes.csv of each MISP feed folder read (value -> feed events, as MISP caches it), by folder. */
  mispFeeds?: Map<string, MispFeedHashes>;
}

/** A corpus YARA rule's metadata and where the rule is written. */
export interface YaraRuleMeta {
  meta: Record<string, string | number | boolean>;
  provenance: Provenance;
}

/**
 * Imports every file (paths relative to the corpus `intel/` folder, or any path for files outside
 * it), builds the ATT&CK index and applies {@link CORPUS_LABELS}. `onFile` is called after each.
 */
export function loadCorpus(
  graph: EvidenceGraph,
  files: Iterable<{ path: string; bytes: Uint8Array | FileBytes }>,
  onFile?: (path: string, report: ImportReport | undefined, format: IntelFormat) => void,
  importOptions: FileImportOptions = {},
): LoadedCorpus {
  const loader = new CorpusLoader(graph, importOptions);
  for (const f of files) {
    const { report, format } = loader.add(f.path, f.bytes);
    onFile?.(f.path, report, format);
  }
  return loader.finish();
}

/**
 * {@link loadCorpus} one file at a time, for a caller that does something between files (ingest
 * stores what each file added to the graph before the next one is read). `finish` once, at the end.
 *
 * @example
 * const loader = new CorpusLoader(graph);
 * for (const f of files) loader.add(f.path, f.bytes);
 * const corpus = loader.finish();
 */
export class CorpusLoader {
  private readonly reports: ImportReport[] = [];
  private readonly casesByFile = new Map<string, string[]>();
  private readonly manifests = new Map<string, LabelRule[]>();
  private readonly warninglists = new WarninglistIndex();
  private readonly yaraRules = new Map<string, YaraRuleMeta>();
  private readonly feeds = new Map<string, { hashes: MispFeedHashes; report: ReportBuilder }>();
  private readonly manifestEvents = new Set<string>();

  constructor(
    private readonly graph: EvidenceGraph,
    private readonly importOptions: FileImportOptions = {},
  ) {}

  /** Reads one file into the graph (or the corpus' lists, labels and rules); its report and format. */
  add(
    path: string,
    bytes: Uint8Array | FileBytes,
  ): { report: ImportReport | undefined; format: IntelFormat } {
    const format = detectFileFormat(path, bytes);
    // Rule files are not facts; their metadata may name who a matched rule is about.
    if (/\.(yar|yara)$/i.test(path)) {
      let text = '';
      try {
        text = decodeInput(wholeOf(bytes), path);
      } catch {
        // An unreadable rule file names nothing; it stays skipped as before.
      }
      for (const rule of parseYaraRules(text))
        if (!this.yaraRules.has(rule.name))
          this.yaraRules.set(rule.name, { meta: rule.meta, provenance: { file: path, line: rule.line } });
    }
    if (format === 'misp-feed-hashes') {
      const { hashes, report } = readMispFeedHashes(decodeInput(wholeOf(bytes), path), path);
      this.feeds.set(dirName(path), { hashes, report });
      this.reports.push(report.report);
      return { report: report.report, format };
    }
    if (baseName(path) === 'manifest.json')
      for (const u of manifestUuids(wholeOf(bytes))) this.manifestEvents.add(u);
    if (format === 'labels') {
      const report = new ReportBuilder(path);
      const { rules, problems } = parseLabelsManifest(decodeInput(wholeOf(bytes), path));
      for (const p of problems) report.issue('INTEL_BAD_LABELS', p.message, { line: p.line });
      this.manifests.set(dirName(path), rules);
      this.reports.push(report.report);
      return { report: report.report, format };
    }
    if (format === 'warninglist') {
      const report = this.warninglists.add(path, wholeOf(bytes));
      this.reports.push(report);
      return { report, format };
    }
    const before = this.graph.cases.length;
    const { report } = importFile(this.graph, path, bytes, format, this.importOptions);
    if (report !== undefined) this.reports.push(report);
    this.casesByFile.set(
      path,
      this.graph.cases.slice(before).map((c) => c.id),
    );
    return { report, format };
  }

  /** Checks the MISP feeds' hashes, applies the label manifests and builds the ATT&CK index. */
  finish(): LoadedCorpus {
    const { graph, casesByFile, feeds } = this;
    for (const [dir, feed] of feeds) {
      const cases = [...casesByFile]
        .filter(([p]) => dirName(p) === dir && baseName(p) !== 'manifest.json')
        .flatMap(([file, ids]) => ids.map((caseId) => ({ file, caseId })));
      checkMispFeedHashes(feed.hashes, graph, cases, feed.report, this.manifestEvents);
    }
    const mispFeeds = new Map([...feeds].map(([dir, f]) => [dir, f.hashes]));
    const labels = new Map<string, string[]>();
    const reliability = new Map<string, Reliability>();
    for (const [path, caseIds] of casesByFile) {
      const rules = this.manifests.get(dirName(path)) ?? [];
      for (const rule of rules) {
        if (!globMatches(rule.pattern, baseName(path))) continue;
        if (rule.reliability !== undefined) reliability.set(path, rule.reliability);
        for (const c of caseIds) labels.set(c, [...(labels.get(c) ?? []), ...rule.actors]);
      }
    }
    return {
      attack: buildAttackIndex(graph),
      labels,
      reliability,
      warninglists: this.warninglists,
      reports: this.reports,
      casesByFile,
      yaraRules: this.yaraRules,
      mispFeeds,
    };
  }
}

/** The event uuids a feed's manifest.json names (none when it is not a manifest). */
function manifestUuids(bytes: Uint8Array): string[] {
  try {
    const doc = JSON.parse(decodeInput(bytes)) as unknown;
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return [];
    return Object.keys(doc).map((k) => k.toLowerCase());
  } catch {
    return [];
  }
}

function baseName(p: string): string {
  return p.replace(/^.*\//, '');
}

function dirName(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}
