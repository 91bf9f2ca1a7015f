/**
 * `importMispEvent`: any MISP document (see shapes.ts) into the graph. Never throws for bad
 * input; problems are in the report with the JSON path where they are.
 */
import { CairnError } from '../../errors/index.js';
import { beginImport } from '../facts.js';
import type { ImportContext, ImportOptions } from '../facts.js';
import type { EvidenceGraph } from '../graph.js';
import { bytesSource, readSkeleton } from '../json-stream.js';
import type { ByteSource } from '../json-stream.js';
import { decodeInput } from '../json-scan.js';
import { ReportBuilder } from '../report.js';
import type { ImportReport } from '../report.js';
import { importAttribute } from './attribute.js';
import type { EventState } from './attribute.js';
import { beginLooseCase, finishLoose, importEvent, importObject } from './event.js';
import { MISP_MEMBERS, mispItems } from './shapes.js';
import type { MispItem } from './shapes.js';

/** Options of {@link importMispEvent}. */
export interface MispImportOptions extends ImportOptions {
  /** Also import ShadowAttribute proposals as indicators (labelled `misp:proposal`); default false. */
  proposalsAsEvidence?: boolean;
}

/** Imports a MISP document (an event in any envelope, a list of them, lone attributes or objects, a feed manifest). */
export function importMispEvent(
  graph: EvidenceGraph,
  input: Uint8Array | string,
  options: MispImportOptions = {},
): ImportReport {
  const report = new ReportBuilder(options.file ?? '<misp>');
  let source: ByteSource;
  try {
    source = bytesSource(documentBytes(input, report.report.file));
  } catch (err) {
    if (err instanceof CairnError) report.error(err);
    else throw err;
    return report.report;
  }
  return importMispSource(graph, source, options, report);
}

/**
 * Imports a MISP document read from a byte source as it goes (UTF-8 JSON): the event's own
 * members are parsed, its attribute, object, proposal and sighting lists are read one element
 * at a time, so memory is the case built plus the largest single element.
 */
export function importMispSource(
  graph: EvidenceGraph,
  source: ByteSource,
  options: MispImportOptions = {},
  report = new ReportBuilder(options.file ?? '<misp>'),
): ImportReport {
  const skeleton = readSkeleton(source, MISP_MEMBERS, report.report.file, utf8BomLength(source));
  if (skeleton.error !== undefined) {
    report.error(skeleton.error);
    return report.report;
  }
  return importMispDocument(graph, skeleton.value, report, options);
}

/** The bytes of a document as UTF-8 JSON: gunzipped, UTF-16 decoded; UTF-8 as it is. */
function documentBytes(input: Uint8Array | string, file: string): Uint8Array {
  if (typeof input === 'string') return Buffer.from(input, 'utf8');
  const gzip = input.length >= 2 && input[0] === 0x1f && input[1] === 0x8b;
  const utf16 =
    input.length >= 2 &&
    ((input[0] === 0xff && input[1] === 0xfe) || (input[0] === 0xfe && input[1] === 0xff));
  const nul = input.subarray(0, 64).includes(0);
  // Plain UTF-8 is read from its bytes; anything decodeInput would transform or refuse goes through it.
  return gzip || utf16 || nul ? Buffer.from(decodeInput(input, file), 'utf8') : input;
}

function utf8BomLength(source: ByteSource): number {
  const head = source.read(0, 3);
  return head.length === 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
}

/** Imports an already parsed MISP document. */
export function importMispDocument(
  graph: EvidenceGraph,
  doc: unknown,
  report: ReportBuilder,
  options: MispImportOptions = {},
): ImportReport {
  const ctx = beginImport(graph, report, options, 'misp-event');
  let loose: EventState | undefined;
  const looseCase = (): EventState => {
    loose ??= { ...beginLooseCase(ctx), proposalsAsEvidence: options.proposalsAsEvidence };
    return loose;
  };
  for (const item of mispItems(doc, ctx.file)) importItem(ctx, item, looseCase, options);
  if (loose !== undefined) finishLoose(loose);
  return report.report;
}

function importItem(
  ctx: ImportContext,
  item: MispItem,
  looseCase: () => EventState,
  options: MispImportOptions,
): void {
  switch (item.kind) {
    case 'event':
      importEvent(ctx, item.node, item.path, options.proposalsAsEvidence === true);
      return;
    case 'attribute':
      importAttribute(looseCase(), item.node, item.path);
      return;
    case 'object':
      importObject(looseCase(), item.node, item.path);
      return;
    case 'manifest':
      // A feed's index: the events themselves are the files beside it.
      ctx.report.report.recordsRead += item.events;
      ctx.report.setAside('misp feed manifest entry', item.events);
      return;
    case 'bad-json':
      ctx.report.error(item.error);
      return;
    default:
      ctx.report.issue('MISP_NOT_AN_EVENT', item.message, { path: item.path });
  }
}
