/**
 * Indicator lists: CSV/TSV with a header (typed `type` column or none), `value;comment` lines
 * (signature-base / Loki hash and C2 lists, where the comment names the report), Loki lists
 * with `# report` section comments above bare values, and bare one-value-per-line lists.
 *
 * Byte patterns posing as hashes: a value typed as a hash that is a fragment of a byte pattern
 * of a YARA rule given in `yara` is typed `byte-pattern` instead (and reported), because some
 * upstream IOC extractors cut the hex strings of YARA rules into 64-digit pieces and labelled
 * them sha256 (TA14-353A in the OTX lists). A value that is hex but not of its hash's length is
 * also a byte pattern, not a hash. Nothing else retypes a value.
 */
import { CairnError } from '../errors/index.js';
import { addIndicator, beginImport } from './facts.js';
import type { ImportContext, ImportOptions } from './facts.js';
import type { EvidenceGraph } from './graph.js';
import { decodeInput } from './json-scan.js';
import { emptyCase, type Case, type IndicatorType, type Report } from './model.js';
import { detectIndicatorType, isIndicatorType } from './normalize.js';
import { MAX_VALUE_LENGTH, ReportBuilder } from './report.js';
import type { ImportReport } from './report.js';
import { cairnId } from './uuid.js';
import type { YaraHexIndex } from './yara.js';

/** Options of {@link importIndicatorList}. */
export interface IndicatorListOptions extends ImportOptions {
  /** Layout; `auto` (default) decides from the first content line. */
  format?: 'auto' | 'csv' | 'tsv' | 'value-comment' | 'lines';
  /** YARA byte patterns, to recognise hash-typed fragments of them (see module comment). */
  yara?: YaraHexIndex;
  /**
   * Name of one case the whole file forms (labels then become reports only). Without it a CSV is
   * one case named after the file, and each label of a `value;comment` or `# section` list (a
   * report title, a pulse) is its own case, unlabelled lines forming the file's case.
   */
  caseName?: string;
  /** Most lines read (bounds work on hostile input). Default 10 million. */
  maxLines?: number;
}

/** Column-type labels as lists write them, to model types (`ip` means detect v4/v6/CIDR). */
const TYPE_LABELS: Record<string, IndicatorType | 'ip'> = {
  ip: 'ip',
  ipv4: 'ip',
  ipv6: 'ip',
  'ip-dst': 'ip',
  'ip-src': 'ip',
  'ip address': 'ip',
  ipaddress: 'ip',
  cidr: 'cidr',
  domain: 'domain',
  'domain-name': 'domain',
  hostname: 'hostname',
  host: 'hostname',
  url: 'url',
  uri: 'url',
  email: 'email',
  'email-addr': 'email',
  md5: 'md5',
  sha1: 'sha1',
  'sha-1': 'sha1',
  sha256: 'sha256',
  'sha-256': 'sha256',
  sha512: 'sha512',
  ssdeep: 'ssdeep',
  tlsh: 'tlsh',
  imphash: 'imphash',
  'rich-header': 'rich-header',
  filename: 'filename',
  'file name': 'filename',
  file: 'filename',
  mutex: 'mutex',
  'service name': 'string',
  string: 'string',
  'yara-rule': 'yara-rule',
  'byte-pattern': 'byte-pattern',
  'attack-technique': 'attack-technique',
};
const HASH_LENGTH: Partial<Record<IndicatorType, number>> = {
  md5: 32,
  sha1: 40,
  sha256: 64,
  sha512: 128,
  imphash: 32,
  'rich-header': 32,
};
const VALUE_COLUMNS = ['value', 'indicator', 'ioc', 'observable', 'hash', 'domain', 'ip'];
const COMMENT_COLUMNS = ['note', 'comment', 'description', 'name', 'info', 'title'];

/** Splits one CSV record line honouring "quoted, fields" and "" escapes; undefined if a quote is left open. */
export function splitCsvLine(line: string, delimiter: string): string[] | undefined {
  const out: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  let wasQuoted = false;
  while (i < line.length) {
    const c = line[i];
    if (quoted) {
      if (c === '"') {
        if (line[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '' && !wasQuoted) {
      quoted = true;
      wasQuoted = true;
      i++;
      continue;
    }
    if (c === delimiter) {
      out.push(field);
      field = '';
      wasQuoted = false;
      i++;
      continue;
    }
    field += c;
    i++;
  }
  if (quoted) return undefined;
  out.push(field);
  return out;
}

interface Labelled {
  caseId?: string;
  reportIds: string[];
}

/** Lines of a text one by one, without a regex over the whole text, with 1-based line numbers. */
class LineReader {
  lineNo = 0;
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly maxLines: number,
    private readonly report: ReportBuilder,
  ) {}

  next(): string | undefined {
    if (this.pos >= this.text.length || this.lineNo >= this.maxLines) {
      if (this.lineNo >= this.maxLines && this.pos < this.text.length)
        this.report.issue('INTEL_TOO_MANY_LINES', `stopped after ${this.maxLines} lines`, {
          line: this.lineNo,
        });
      this.pos = this.text.length;
      return undefined;
    }
    let end = this.text.indexOf('\n', this.pos);
    if (end < 0) end = this.text.length;
    let line = this.text.slice(this.pos, end);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    this.pos = end + 1;
    this.lineNo++;
    return line;
  }

  /** Where the reader is, to come back to with `reset`. */
  mark(): { pos: number; lineNo: number } {
    return { pos: this.pos, lineNo: this.lineNo };
  }

  reset(mark: { pos: number; lineNo: number }): void {
    this.pos = mark.pos;
    this.lineNo = mark.lineNo;
  }
}

/** Most lines one quoted CSV field may span (RFC 4180 allows line breaks inside quotes). */
const MAX_FIELD_LINES = 64;

/**
 * Splits a record by RFC 4180 alone: a quote only opens a field, a closing quote is followed by
 * the delimiter or the end. Undefined otherwise: such a record is not a multi-line one.
 */
function splitCsvStrict(record: string, delimiter: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (record[i] === '"') {
      i++;
      for (;;) {
        const q = record.indexOf('"', i);
        if (q < 0) return undefined;
        field += record.slice(i, q);
        if (record[q + 1] === '"') {
          field += '"';
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      if (i < record.length && record[i] !== delimiter) return undefined;
    } else {
      let end = record.indexOf(delimiter, i);
      if (end < 0) end = record.length;
      field = record.slice(i, end);
      if (field.includes('"')) return undefined;
      i = end;
    }
    out.push(field);
    if (i >= record.length) return out;
    i++; // the delimiter
  }
}

/**
 * The cells of the CSV record starting with `line`. A quote left open continues on the next
 * lines (RFC 4180 multi-line fields) when the joined record is well formed and has `fields`
 * cells; otherwise undefined, with the reader put back after `line`, so an unterminated quote
 * costs one row, not the rows after it.
 */
function readCsvRecord(
  lines: LineReader,
  line: string,
  delimiter: string,
  fields: number,
  maxLength: number,
): string[] | undefined {
  const cells = splitCsvLine(line, delimiter);
  if (cells !== undefined) return cells;
  const mark = lines.mark();
  let record = line;
  for (let extra = 0; extra < MAX_FIELD_LINES && record.length <= maxLength; extra++) {
    const more = lines.next();
    if (more === undefined) break;
    record += '\n' + more;
    if (splitCsvLine(record, delimiter) === undefined) continue;
    const strict = splitCsvStrict(record, delimiter);
    if (strict !== undefined && strict.length === fields) return strict;
    break;
  }
  lines.reset(mark);
  return undefined;
}

type ListFormat = NonNullable<IndicatorListOptions['format']>;

/** One list being imported: its lines, the `# section` in force, the reports and cases its labels made. */
class ListImport {
  section: string | undefined;
  private readonly labels = new Map<string, Labelled>();

  constructor(
    readonly ctx: ImportContext,
    readonly options: IndicatorListOptions,
    readonly lines: LineReader,
  ) {}

  /** The report (and, when `asCase`, the case) a label names, made on first use. */
  labelled(label: string, asCase: boolean): Labelled {
    let l = this.labels.get(label);
    if (l !== undefined) return l;
    const { ctx } = this;
    const reportFact: Report = {
      kind: 'report',
      id: cairnId('report', `${ctx.file}\u0000${label}`),
      provenance: { file: ctx.file },
      confidence: ctx.defaultConfidence,
      confidenceStated: false,
      name: label,
      urls: [...label.matchAll(/https?:\/\/\S+/g)].map((m) => m[0]),
      objectRefs: [],
    };
    if (ctx.graph.add(reportFact)) ctx.report.added('report');
    l = { reportIds: [reportFact.id] };
    if (asCase) l.caseId = addCase(ctx, label, 'report-list');
    this.labels.set(label, l);
    return l;
  }

  /** The first line that is neither blank nor a comment; `# section` lines before it are kept. */
  firstContent(format: ListFormat): string | undefined {
    for (;;) {
      const line = this.lines.next();
      if (line === undefined) return undefined;
      if (line.trim() === '') continue;
      if (line.startsWith('#')) {
        if (format === 'auto' || format === 'lines' || format === 'value-comment')
          this.section = sectionLabel(line) ?? this.section;
        continue;
      }
      return line;
    }
  }
}

/** The layout the first content line shows: a CSV/TSV header, or `value;comment` or bare lines. */
function detectLayout(
  first: string,
  format: ListFormat,
): { format: ListFormat; header?: string[]; delimiter: string } {
  if (format !== 'auto' && format !== 'csv' && format !== 'tsv') return { format, delimiter: ',' };
  const d = format === 'tsv' || (format === 'auto' && first.includes('\t')) ? '\t' : ',';
  const cells = splitCsvLine(first, d)?.map((c) => c.trim().toLowerCase());
  if (cells !== undefined && cells.length > 1 && cells.some((c) => VALUE_COLUMNS.includes(c) || c === 'type'))
    return { format: d === '\t' ? 'tsv' : 'csv', header: cells, delimiter: d };
  if (format === 'auto') return { format: first.includes(';') ? 'value-comment' : 'lines', delimiter: ',' };
  return { format, delimiter: ',' };
}

/**
 * Imports an indicator list (see module comment for the layouts). Never throws for bad input:
 * broken rows are reported with their line number and skipped.
 */
export function importIndicatorList(
  graph: EvidenceGraph,
  input: Uint8Array | string,
  options: IndicatorListOptions = {},
): ImportReport {
  const report = new ReportBuilder(options.file ?? '<list>');
  let text: string;
  try {
    text = decodeInput(input, report.report.file);
  } catch (err) {
    if (err instanceof CairnError) report.error(err);
    else report.issue('INTEL_BAD_INPUT', (err as Error).message);
    return report.report;
  }
  const ctx = beginImport(
    graph,
    report,
    options,
    options.format === 'csv' || options.format === 'tsv' ? 'csv' : 'ioc-list',
  );
  const list = new ListImport(ctx, options, new LineReader(text, options.maxLines ?? 10_000_000, report));
  const first = list.firstContent(options.format ?? 'auto');
  if (first === undefined) return report.report;
  const layout = detectLayout(first, options.format ?? 'auto');
  if (layout.header !== undefined) importCsvRows(list, layout.header, layout.delimiter);
  else importLines(list, first, layout.format);
  return report.report;
}

/** CSV/TSV rows under a header: the value column, its type, comment, sources and actor columns. */
function importCsvRows(list: ListImport, header: string[], delimiter: string): void {
  const { ctx, options, lines } = list;
  const { report } = ctx;
  const fileCase = addCase(
    ctx,
    options.caseName ?? ctx.file.replace(/^.*\//, '').replace(/\.[^.]*$/, ''),
    'report-list',
  );
  const typeCol = header.indexOf('type');
  let valueCol = header.findIndex((h) => VALUE_COLUMNS.includes(h));
  if (valueCol < 0) valueCol = typeCol === 0 ? 1 : 0;
  const commentCol = header.findIndex((h) => COMMENT_COLUMNS.includes(h));
  const sourcesCol = header.findIndex((h) => h === 'sources' || h === 'source' || h === 'report');
  const actorCol = header.findIndex((h) => h === 'actor' || h === 'attribution' || h === 'threat actor');
  for (;;) {
    const line = lines.next();
    if (line === undefined) break;
    if (line.trim() === '' || line.startsWith('#')) continue;
    report.report.recordsRead++;
    if (line.length > MAX_VALUE_LENGTH * 4) {
      report.issue('INTEL_VALUE_TOO_LONG', `line of ${line.length} characters is too long`, {
        line: lines.lineNo,
      });
      continue;
    }
    const startLine = lines.lineNo;
    const cells = readCsvRecord(lines, line, delimiter, header.length, MAX_VALUE_LENGTH * 4);
    if (cells === undefined) {
      report.issue('INTEL_BAD_CSV_ROW', 'unterminated quoted field', { line: startLine });
      continue;
    }
    if (cells.length !== header.length) {
      report.issue('INTEL_BAD_CSV_ROW', `row has ${cells.length} fields, header has ${header.length}`, {
        line: lines.lineNo,
      });
      if (cells.length <= valueCol || (typeCol >= 0 && cells.length <= typeCol)) continue;
    }
    const reportIds: string[] = [];
    if (sourcesCol >= 0 && cells[sourcesCol] !== undefined)
      for (const s of cells[sourcesCol].split(' | '))
        if (s.trim() !== '') reportIds.push(...list.labelled(s.trim(), false).reportIds);
    if (actorCol >= 0 && cells[actorCol]) {
      const c = ctx.graph.getAs('case', fileCase);
      if (c !== undefined && !c.actorLabels.includes(cells[actorCol])) c.actorLabels.push(cells[actorCol]);
    }
    addValue(ctx, options, cells[valueCol], typeCol >= 0 ? cells[typeCol] : undefined, lines.lineNo, {
      caseId: fileCase,
      reportIds,
      comment: commentCol >= 0 ? cells[commentCol] : undefined,
    });
  }
}

/** `value;comment` and bare lines; `# label` lines name the report of the values below them. */
function importLines(list: ListImport, first: string, format: ListFormat): void {
  const { ctx, options, lines } = list;
  let fileCase: string | undefined;
  let line: string | undefined = first;
  while (line !== undefined) {
    if (line.startsWith('#')) list.section = sectionLabel(line) ?? list.section;
    else if (line.trim() !== '') {
      ctx.report.report.recordsRead++;
      let value = line;
      let comment: string | undefined;
      const semi = format === 'value-comment' ? line.indexOf(';') : -1;
      if (semi >= 0) {
        value = line.slice(0, semi);
        comment = line.slice(semi + 1);
      }
      // Labels are compared trimmed (the OTX lists pad some with spaces); the comment stays exact.
      // A bare number is a Loki score, not a label.
      const commentLabel =
        comment !== undefined && comment.trim() !== '' && !/^\d+$/.test(comment.trim())
          ? comment.trim()
          : undefined;
      const label = commentLabel ?? list.section;
      const l: Labelled =
        label !== undefined ? list.labelled(label, options.caseName === undefined) : { reportIds: [] };
      // Unlabelled lines (and every line when one case is asked for) form the file's case.
      if (options.caseName !== undefined || l.caseId === undefined)
        fileCase ??= addCase(ctx, options.caseName ?? ctx.file.replace(/^.*\//, ''), 'report-list');
      addValue(ctx, options, value, undefined, lines.lineNo, {
        caseId: l.caseId ?? fileCase,
        reportIds: l.reportIds,
        comment,
      });
    }
    line = lines.next();
  }
}

const listIds = new Map<string, string>();
function listId(file: string): string {
  let id = listIds.get(file);
  if (id === undefined) {
    if (listIds.size > 10_000) listIds.clear();
    id = cairnId('indicator', `list:${file}`);
    listIds.set(file, id);
  }
  return id;
}

function sectionLabel(line: string): string | undefined {
  const t = line.replace(/^#+/, '').trim();
  // Banner lines ("# ----", "# FORMAT ---") and empty comments do not name a report.
  if (t === '' || /-{5,}\s*$/.test(t) || /^[-=#*\s]+$/.test(t)) return undefined;
  return t;
}

function addCase(ctx: ImportContext, name: string, caseKind: Case['caseKind']): string {
  const id = cairnId('case', `${ctx.file}\u0000${name}`);
  const c = emptyCase(id, name, caseKind, { file: ctx.file }, ctx.defaultConfidence);
  if (ctx.graph.add(c)) ctx.report.added('case');
  return id;
}

function addValue(
  ctx: ImportContext,
  options: IndicatorListOptions,
  rawValue: string,
  typeLabel: string | undefined,
  line: number,
  extra: { caseId?: string; reportIds: string[]; comment?: string },
): void {
  const original = rawValue;
  const value = rawValue.trim();
  if (value === '') {
    ctx.report.issue('INTEL_EMPTY_VALUE', 'row has no value', { line });
    return;
  }
  let type: IndicatorType;
  if (typeLabel === undefined || typeLabel.trim() === '') type = detectIndicatorType(value);
  else {
    const label = typeLabel.trim().toLowerCase();
    const mapped = TYPE_LABELS[label] ?? (isIndicatorType(label) ? label : undefined);
    if (mapped === undefined) {
      type = detectIndicatorType(value);
      ctx.report.issue(
        'INTEL_UNKNOWN_TYPE',
        `unknown type label ${JSON.stringify(typeLabel.slice(0, 60))}; detected ${type} from the value`,
        { line, field: 'type' },
      );
    } else if (mapped === 'ip') {
      const d = detectIndicatorType(value);
      type = d === 'ipv6' || d === 'cidr' ? d : 'ipv4';
    } else type = mapped;
  }
  const hashLen = HASH_LENGTH[type];
  if (hashLen !== undefined && /^[0-9a-fA-F]+$/.test(value)) {
    const rule = options.yara?.ruleContaining(value);
    if (rule !== undefined) {
      ctx.report.issue(
        'INTEL_RETYPED_BYTE_PATTERN',
        `${type} value is a fragment of the byte pattern of YARA rule ${rule}; typed byte-pattern`,
        { line },
      );
      type = 'byte-pattern';
    } else if (value.length !== hashLen && value.length % 2 === 0 && value.length >= 16) {
      ctx.report.issue(
        'INTEL_RETYPED_BYTE_PATTERN',
        `${value.length} hex digits cannot be ${type}; typed byte-pattern`,
        { line },
      );
      type = 'byte-pattern';
    }
  }
  addIndicator(ctx, {
    // One UUIDv5 per file, the line number after it: deterministic without hashing every line.
    id: `${listId(ctx.file)}/L${line}`,
    type,
    original,
    sourceType: typeLabel,
    comment: extra.comment,
    caseIds: extra.caseId !== undefined ? [extra.caseId] : [],
    reportIds: extra.reportIds,
    provenance: { file: ctx.file, line },
  });
}
