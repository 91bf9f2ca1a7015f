/**
 * Loading a corpus: picks the importer for each file (by path inside a corpus folder, else by
 * content), and knows the actor labels the bundled corpus carries outside the files themselves.
 * No I/O: the caller reads the files and hands over their bytes.
 */
import { buildAttackIndex, importAttack } from './attack.js';
import type { AttackIndex } from './attack.js';
import { importIndicatorList } from './csv.js';
import type { EvidenceGraph } from './graph.js';
import { decodeInput } from './json-scan.js';
import { importMispEvent, importMispGalaxy } from './misp.js';
import type { ImportReport } from './report.js';
import { importStixBundle } from './stix-import.js';

/** Formats {@link importFile} can tell apart. */
export type IntelFormat = 'attack' | 'stix' | 'misp-event' | 'misp-galaxy' | 'indicator-list' | 'skip';

/**
 * Actor labels of the bundled corpus that are not inside the files: the Unit 42 lists are named
 * after the operator (file name = actor; `Shamoon.csv` names a malware family, so it gets none),
 * and ESET's `nukesped_lazarus` sample lists are ESET's Lazarus samples (folder name). Paths are
 * relative to the corpus `intel/` folder.
 */
export const CORPUS_LABELS: ReadonlyArray<{ path: RegExp; actors: string[]; software?: string[] }> = [
  { path: /^iocs\/unit42\/iran_linked_operators\/APT33\.csv$/, actors: ['APT33'] },
  { path: /^iocs\/unit42\/iran_linked_operators\/DarkHydrus\.csv$/, actors: ['DarkHydrus'] },
  { path: /^iocs\/unit42\/iran_linked_operators\/MagicHound\.csv$/, actors: ['Magic Hound'] },
  { path: /^iocs\/unit42\/iran_linked_operators\/MuddyWater\.csv$/, actors: ['MuddyWater'] },
  { path: /^iocs\/unit42\/iran_linked_operators\/OilRig\.csv$/, actors: ['OilRig'] },
  { path: /^iocs\/eset\/nukesped_lazarus\/samples\.(md5|sha1|sha256)$/, actors: ['Lazarus Group'] },
];

/** Format of a file from its corpus path, or from its content when the path says nothing. */
export function detectFormat(path: string, bytes: Uint8Array): IntelFormat {
  const p = path.replace(/\\/g, '/');
  if (/(^|\/)(LICENSE|PROVENANCE|README)[^/]*$/i.test(p) || /\.(md|adoc|yar|yara|txt\.sig)$/i.test(p))
    return 'skip';
  if (/(^|\/)attack\/[^/]+\.json(\.gz)?$/.test(p)) return 'attack';
  if (/(^|\/)misp-galaxy\/galaxies\//.test(p)) return 'skip';
  if (/(^|\/)misp-galaxy\/clusters\//.test(p)) return 'misp-galaxy';
  let head: string;
  try {
    head = decodeInput(bytes, path).slice(0, 4096);
  } catch {
    return 'indicator-list';
  }
  const t = head.trimStart();
  if (t.startsWith('{') || t.startsWith('[')) {
    if (/"type"\s*:\s*"bundle"/.test(head)) return /x-mitre-|"x_mitre_/.test(head) ? 'attack' : 'stix';
    if (/"(Event|response)"\s*:/.test(head)) return 'misp-event';
    if (/"values"\s*:/.test(head) && /"(uuid|name)"\s*:/.test(head)) return 'misp-galaxy';
    if (/"objects"\s*:/.test(head)) return 'stix';
    return 'misp-event';
  }
  return 'indicator-list';
}

/** Imports one file with the importer its format needs. */
export function importFile(
  graph: EvidenceGraph,
  path: string,
  bytes: Uint8Array,
  format: IntelFormat = detectFormat(path, bytes),
): { format: IntelFormat; report: ImportReport | undefined } {
  const options = { file: path };
  switch (format) {
    case 'attack':
      return { format, report: importAttack(graph, bytes, options).report };
    case 'stix':
      return { format, report: importStixBundle(graph, bytes, options) };
    case 'misp-event':
      return { format, report: importMispEvent(graph, bytes, options) };
    case 'misp-galaxy':
      return { format, report: importMispGalaxy(graph, bytes, options) };
    case 'indicator-list': {
      const bare = !/\.(csv|tsv)$/i.test(path);
      const name = path.replace(/^.*\//, '');
      return {
        format,
        report: importIndicatorList(graph, bytes, bare ? { ...options, caseName: name } : options),
      };
    }
    default:
      return { format, report: undefined };
  }
}

/** A loaded corpus. */
export interface LoadedCorpus {
  attack: AttackIndex;
  /** Extra actor labels by case id ({@link CORPUS_LABELS}). */
  labels: Map<string, string[]>;
  reports: ImportReport[];
  /** Case ids each file created, by path. */
  casesByFile: Map<string, string[]>;
}

/**
 * Imports every file (paths relative to the corpus `intel/` folder, or any path for files outside
 * it), builds the ATT&CK index and applies {@link CORPUS_LABELS}. `onFile` is called after each.
 */
export function loadCorpus(
  graph: EvidenceGraph,
  files: Iterable<{ path: string; bytes: Uint8Array }>,
  onFile?: (path: string, report: ImportReport | undefined, format: IntelFormat) => void,
): LoadedCorpus {
  const reports: ImportReport[] = [];
  const casesByFile = new Map<string, string[]>();
  for (const f of files) {
    const before = graph.cases.length;
    const { format, report } = importFile(graph, f.path, f.bytes);
    if (report !== undefined) reports.push(report);
    casesByFile.set(
      f.path,
      graph.cases.slice(before).map((c) => c.id),
    );
    onFile?.(f.path, report, format);
  }
  const labels = new Map<string, string[]>();
  for (const [path, caseIds] of casesByFile) {
    const rule = CORPUS_LABELS.find((l) => l.path.test(path));
    if (rule === undefined) continue;
    for (const c of caseIds) labels.set(c, [...rule.actors]);
  }
  return { attack: buildAttackIndex(graph), labels, reports, casesByFile };
}
