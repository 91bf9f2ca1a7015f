/**
 * `importMispEvent`: any MISP document (see shapes.ts) into the graph. Never throws for bad
 * input; problems are in the report with the JSON path where they are.
 */
import { beginImport } from '../facts.js';
import type { ImportContext, ImportOptions } from '../facts.js';
import type { EvidenceGraph } from '../graph.js';
import { ReportBuilder } from '../report.js';
import type { ImportReport } from '../report.js';
import { importAttribute } from './attribute.js';
import type { EventState } from './attribute.js';
import { beginLooseCase, finishLoose, importEvent, importObject } from './event.js';
import { parseJson } from './galaxies.js';
import { mispItems } from './shapes.js';
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
  const doc = parseJson(report, input);
  if (doc === undefined) return report.report;
  return importMispDocument(graph, doc, report, options);
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
  for (const item of mispItems(doc)) importItem(ctx, item, looseCase, options);
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
    default:
      ctx.report.issue('MISP_NOT_AN_EVENT', item.message, { path: item.path });
  }
}
