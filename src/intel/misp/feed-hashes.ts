/**
 * A MISP feed's `hashes.csv` (MISP feed generator): one line `<md5 of an attribute value>,<event
 * uuid>` per value (each part of a composite value on its own line). MISP caches it to tell
 * which feed events hold a value without fetching them; cairn does the same (a lookup from value
 * to feed events) and checks it against the event files read beside it, reporting each line that
 * names no event of the feed or no value of its event, and each event value it does not list.
 */
import { createHash } from 'node:crypto';
import type { EvidenceGraph } from '../graph.js';
import type { Case } from '../model.js';
import { ReportBuilder } from '../report.js';
import { isUuid } from './shapes.js';

/** The value → events lookup of one feed's hashes.csv. */
export class MispFeedHashes {
  /** Event uuids (lower case) by md5 of the value (lower-case hex). */
  readonly eventsByHash = new Map<string, Set<string>>();
  /** Line of each (md5, event) pair, for locating problems. */
  readonly lineOf = new Map<string, number>();

  constructor(readonly file: string) {}

  /** The feed events whose values include `value` (MISP's feed-cache lookup). */
  eventsOf(value: string): string[] {
    return [...(this.eventsByHash.get(md5(value)) ?? [])];
  }

  /** Every event uuid the file names. */
  events(): Set<string> {
    const out = new Set<string>();
    for (const events of this.eventsByHash.values()) for (const e of events) out.add(e);
    return out;
  }
}

const MD5 = /^[0-9a-f]{32}$/i;

/** md5 of a value as MISP's feed generator hashes it (UTF-8, hex). */
export function md5(value: string): string {
  return createHash('md5').update(value, 'utf8').digest('hex');
}

/** Reads a hashes.csv; a line that is not `md5,uuid` is reported with its line number and skipped. */
export function readMispFeedHashes(
  text: string,
  file: string,
): { hashes: MispFeedHashes; report: ReportBuilder } {
  const report = new ReportBuilder(file);
  const hashes = new MispFeedHashes(file);
  let line = 0;
  for (const raw of text.split('\n')) {
    line++;
    const row = raw.trim();
    if (row === '') continue;
    report.report.recordsRead++;
    const [hash, uuid, ...rest] = row.split(',').map((x) => x.trim());
    if (rest.length > 0 || !MD5.test(hash) || !isUuid(uuid)) {
      report.issue('MISP_FEED_BAD_HASH_LINE', 'expected "<md5>,<event uuid>"', { line });
      continue;
    }
    const h = hash.toLowerCase();
    const u = uuid.toLowerCase();
    let events = hashes.eventsByHash.get(h);
    if (events === undefined) hashes.eventsByHash.set(h, (events = new Set()));
    events.add(u);
    if (!hashes.lineOf.has(`${h} ${u}`)) hashes.lineOf.set(`${h} ${u}`, line);
  }
  report.setAside('misp feed value hash', hashes.lineOf.size);
  return { hashes, report };
}

/** The values of a MISP case as the feed generator hashes them: each attribute's value and its parts. */
export function mispCaseValues(graph: EvidenceGraph, theCase: Case): Set<string> {
  const values = new Set<string>();
  const add = (v: string | undefined, composite: boolean): void => {
    if (v === undefined) return;
    values.add(v);
    if (composite) for (const part of v.split('|')) values.add(part);
  };
  for (const ind of graph.indicatorsOfCase(theCase.id)) {
    if (ind.labels.includes('misp:proposal')) continue;
    add(ind.misp?.compositeValue ?? ind.original, ind.misp?.compositeValue !== undefined);
  }
  for (const c of theCase.misp?.context ?? []) add(c.value, c.type.includes('|'));
  for (const r of graph.reports) if (r.objectRefs.includes(theCase.id)) add(r.urls[0], false);
  return values;
}

/**
 * Checks a feed's hashes against its events read from the files beside it: a line naming an event
 * the feed does not hold (`MISP_FEED_HASH_UNKNOWN_EVENT`), a line matching no value of its event
 * (`MISP_FEED_HASH_MISMATCH`), and per event the values the file does not list
 * (`MISP_FEED_HASH_MISSING`). Events only the manifest names are not errors (a feed may be read in
 * part) but are counted.
 */
export function checkMispFeedHashes(
  hashes: MispFeedHashes,
  graph: EvidenceGraph,
  cases: readonly { file: string; caseId: string }[],
  report: ReportBuilder,
  manifestEvents: ReadonlySet<string> = new Set(),
): void {
  const valuesByEvent = new Map<string, { file: string; hashes: Set<string>; count: number }>();
  for (const { file, caseId } of cases) {
    const theCase = graph.getAs('case', caseId);
    const uuid = theCase?.misp?.uuid?.toLowerCase();
    if (theCase === undefined || uuid === undefined) continue;
    const values = mispCaseValues(graph, theCase);
    valuesByEvent.set(uuid, { file, hashes: new Set([...values].map(md5)), count: values.size });
  }
  let unread = 0;
  for (const [key, line] of hashes.lineOf) {
    const [h, u] = key.split(' ');
    const event = valuesByEvent.get(u);
    if (event === undefined) {
      if (manifestEvents.has(u)) unread++;
      else
        report.issue(
          'MISP_FEED_HASH_UNKNOWN_EVENT',
          `event ${u} is neither in the feed nor in its manifest`,
          {
            line,
          },
        );
      continue;
    }
    if (!event.hashes.has(h))
      report.issue('MISP_FEED_HASH_MISMATCH', `hash ${h} matches no value of event ${u} (${event.file})`, {
        line,
      });
  }
  if (unread > 0) report.setAside('misp feed hash of an event not read', unread);
  for (const [uuid, event] of valuesByEvent) {
    let missing = 0;
    for (const h of event.hashes) if (!(hashes.eventsByHash.get(h)?.has(uuid) ?? false)) missing++;
    if (missing > 0)
      report.issue(
        'MISP_FEED_HASH_MISSING',
        `${missing} of the ${event.count} values of event ${uuid} (${event.file}) are not in hashes.csv`,
        {},
      );
  }
}
