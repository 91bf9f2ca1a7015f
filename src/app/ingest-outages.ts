/**
 * What ingest keeps of outages: the observatory's `OutageDetector`, one per watched country, over
 * a routing table, and per file the events it touched (with their phases) and the events still
 * open. Runs in process on ingest's own table, or in a worker thread (`outageTask`) on a table of
 * its own fed with the same files in the same order, so that detection runs on the second core
 * while the main thread keeps the history and writes; both give the same records, file by file.
 */
import { CairnError } from '../errors/index.js';
import { scanMrt, type MrtFileHead } from '../mrt/index.js';
import {
  CountryOutageDetectors,
  OutageDetector,
  selectCountry,
  type OutageEvent,
} from '../observatory/index.js';
import type { Registry } from '../registry/index.js';
import { loadRegistryFiles } from './registry-files.js';
import { RoutingTable } from '../routing/index.js';
import type { OutageRecord } from '../store/index.js';
import { ARCHIVE_GAP_SECONDS } from './outages.js';
import { reserveForFiles } from './replay.js';
import type { TaskSend } from './worker.js';

/**
 * Estimated elements (MrtFileHead.elements, summed over the files decoded) below which ingest keeps
 * its outage detection on the main thread when `jobs` is not given: a worker first loads its
 * modules and parses its own registry (about 0.6 s of CPU on the bundled APNIC file), and the
 * detection it takes off the main thread costs less than that below about a million elements
 * (0.37 s for the 577,744 of data/mrt/ripe-bgpdump/updates.et-header.2015.gz, whose estimate is
 * 779,091; bench/RESULTS-suite.md, 2026-12-06, suite19).
 */
export const OUTAGE_WORKER_MIN_ELEMENTS = 1_000_000;

/**
 * Cores below which the outage worker never pays: the worker decodes every file again into a
 * table of its own, and on two cores it shares the second one with DuckDB's threads. On 2 cores
 * the whole SYNTHETIC day (1,548,000 elements) took 27.1-27.5 s with one thread against 30.4-31.2
 * s with the worker, and a third more CPU (bench/RESULTS-store.md, 2026-12-07).
 */
export const OUTAGE_WORKER_MIN_CORES = 3;

/** Threads for ingest's outage detection when `jobs` is not given: see the two constants above. */
export function defaultIngestJobs(files: readonly MrtFileHead[], cores: number): number {
  const elements = files.reduce((sum, file) => sum + file.elements, 0);
  return elements < OUTAGE_WORKER_MIN_ELEMENTS || cores < OUTAGE_WORKER_MIN_CORES ? 1 : cores;
}

/**
 * How the detectors take the table's events: `one-pass` (default) routes each event once to the
 * country it concerns (observatory's CountryOutageDetectors); `per-country` attaches every
 * detector to the table on its own, the reference the one-pass output is compared with.
 */
export type OutageDetection = 'one-pass' | 'per-country';

/** The outage detectors of an ingest run; see the module header. */
export class IngestOutages {
  private readonly touched = new Map<string, OutageRecord>();
  private readonly detectors: Array<{ selection: string; detector: OutageDetector }>;
  private readonly router: CountryOutageDetectors | undefined;

  constructor(
    table: RoutingTable,
    registry: Registry,
    countries: readonly string[],
    binSeconds: number,
    detection: OutageDetection = 'one-pass',
  ) {
    const sorted = [...new Set(countries)].sort();
    // Archives, as replayOutages reads them: a silence this long is no data, not an outage.
    const options = { binSeconds, gapSeconds: ARCHIVE_GAP_SECONDS };
    this.router =
      detection === 'one-pass' ? new CountryOutageDetectors(table, registry, sorted, options) : undefined;
    this.detectors = sorted.map((country, index) => {
      const selection = `country ${country}`;
      const detector =
        this.router?.detectors[index].detector ??
        new OutageDetector(table, { ...options, select: selectCountry(registry, country) });
      detector.onEvent((event, phase) => {
        const key = `${selection}\u0000${event.start}`;
        let record = this.touched.get(key);
        if (record === undefined)
          this.touched.set(key, (record = { selection, event: event as OutageEvent, phases: [] }));
        record.event = event as OutageEvent;
        const time =
          phase === 'open'
            ? event.start
            : phase === 'close'
              ? (event.end ?? event.start)
              : detector.tracker.now;
        record.phases.push({ phase, time });
      });
      return { selection, detector };
    });
  }

  /**
   * The records of the file just applied: the events touched during it and those still open, as
   * copies (the detector goes on changing an open event).
   */
  takeFile(): OutageRecord[] {
    const outages: OutageRecord[] = [...this.touched.values()];
    for (const { selection, detector } of this.detectors) {
      const open = detector.openEvent;
      if (open !== undefined && !this.touched.has(`${selection}\u0000${open.start}`))
        outages.push({ selection, event: open, phases: [] });
    }
    this.touched.clear();
    return outages.map((o) => ({ ...o, event: structuredClone(o.event) }));
  }

  close(): void {
    if (this.router !== undefined) this.router.close();
    else for (const { detector } of this.detectors) detector.close();
  }
}

/** What the main thread hands the outage worker. */
export interface OutageTaskData {
  /** The MRT files to apply, in ingest's order. */
  files: Array<MrtFileHead & { path: string }>;
  registryFiles: string[];
  countries: string[];
  binSeconds: number;
  detection?: OutageDetection;
}

/** One message per file, in order: the file's outage records. */
export interface OutageFileMessage {
  outages: OutageRecord[];
}

/** Worker side: the files applied to a table of its own, each file's records sent in turn. */
export async function outageTask(data: unknown, send: TaskSend): Promise<null> {
  const task = data as OutageTaskData;
  const registry = (await loadRegistryFiles(task.registryFiles)).registry;
  const table = new RoutingTable();
  reserveForFiles(table, task.files);
  const outages = new IngestOutages(table, registry, task.countries, task.binSeconds, task.detection);
  const visit = table.visitor();
  try {
    for (const file of task.files) {
      try {
        // Problems are the main thread's to report: it decodes the same bytes.
        await scanMrt(file.path, visit, { onProblem: () => undefined });
      } catch (error) {
        if (!(error instanceof CairnError)) throw error;
      }
      await send({ outages: outages.takeFile() } satisfies OutageFileMessage);
    }
  } finally {
    outages.close();
  }
  return null;
}
