/**
 * The element bus between sources and the store (feeds/bus on NATS JetStream), composed here:
 *
 * - `publishMrtFiles` (`cairn publish`): MRT files as segments, one per file, its content hash the
 *   segment key (the same identity `cairn ingest` gives the file), the decompressed bytes cut in
 *   parts;
 * - `BusCollectorArchive` (`cairn collect --publish`): the passive collector's BGP4MP_ET records,
 *   the ones its MRT archive writes, published as they come, a segment per rotation period;
 * - `RisLivePublisher` (`cairn watch --ris-live --publish`): RIS Live UPDATEs as BGP4MP_ET records;
 * - `busIngest` (`cairn ingest --from nats://...`): the ingest worker. It reads the durable
 *   consumer in stream order, decodes each segment's records with the MRT decoder, applies them to
 *   the routing table, the history recorder and the outage detectors exactly as `ingest` applies a
 *   file, writes the segment in one store transaction keyed by the segment (a segment the store
 *   has is not written again) and only then acknowledges it. A worker started again first replays,
 *   without writing, what was acknowledged, so its routing state is the one an uncut run had; what
 *   was delivered and not acknowledged comes again and is written once.
 *
 * @example
 * await publishMrtFiles({ bus: 'nats://127.0.0.1:4222', mrt: ['data/mrt/ripe-bgpdump'] });
 * const result = await busIngest({ bus: 'nats://127.0.0.1:4222', db: 'cairn.duckdb', untilIdle: true });
 */
import { createHash, randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { z } from 'zod';
import type { ArchiveSessionInfo, CollectorArchive, SessionArchive } from '../bgp/collector/index.js';
import { encodeUpdate, systemClock, type BgpUpdate, type Clock, type Timer } from '../bgp/index.js';
import { CairnError } from '../errors/index.js';
import {
  BusConsumer,
  BusPublisher,
  isBusUrl,
  parseBusUrl,
  sourceSubject,
  type BusMessage,
  type RisPeer,
} from '../feeds/index.js';
import {
  MrtDecoder,
  MrtFramer,
  MrtWriter,
  bgp4mpPeer,
  openByteSource,
  type Bgp4mpPeer,
} from '../mrt/index.js';
import { parseAddress } from '../net/index.js';
import { HistoryRecorder, parseCountryCode } from '../observatory/index.js';
import { RoutingTable } from '../routing/index.js';
import type { CairnStore, FileRecord } from '../store/index.js';
import { DEFAULT_REGISTRY_FILES } from './defaults.js';
import {
  IngestFileLine,
  RoutingIngestOptions,
  StoreCountsSchema,
  expandPaths,
  hashFile,
  openCairnStore,
} from './ingest.js';
import { IngestOutages } from './ingest-outages.js';
import type { WorkHooks } from './progress.js';
import { loadRegistryFiles } from './registry-files.js';
import { orderMrtFiles } from './replay.js';
import { existsSync } from 'node:fs';

/** Bytes of elements per message (NATS allows 1 MiB by default). */
export const DEFAULT_PART_BYTES = 64 * 1024;
/** Problems kept per segment record, as ingest keeps per file. */
const MAX_SEGMENT_PROBLEMS = 20;

export { isBusUrl };

// ---- publishing files ------------------------------------------------------------------------

export const PublishInput = z.object({
  /** The bus: nats://host:port[,host:port...][?stream=S]. */
  bus: z.string(),
  /** MRT files or folders, published in time order. */
  mrt: z.array(z.string()).min(1),
  /** The source name: the subject is cairn.elements.<source> (default `files`). */
  source: z.string().default('files'),
  partBytes: z
    .number()
    .int()
    .min(512)
    .max(1024 * 1024 - 4096)
    .default(DEFAULT_PART_BYTES),
});
export type PublishInput = z.input<typeof PublishInput>;

export const PublishedFile = z.object({
  path: z.string(),
  hash: z.string(),
  parts: z.number().int(),
  bytes: z.number().int(),
});
export const PublishResult = z.object({
  bus: z.string(),
  subject: z.string(),
  files: z.array(PublishedFile),
  messages: z.number().int(),
  /** Messages the stream already had (a file published again): stored once. */
  duplicates: z.number().int(),
  retries: z.number().int(),
  bytes: z.number().int(),
  seconds: z.number(),
});
export type PublishResult = z.infer<typeof PublishResult>;

export const PUBLISH_FILES_LABEL = 'publish files';

/** Publishes MRT files on the bus, one segment per file; see the module header. */
export async function publishMrtFiles(
  rawInput: PublishInput,
  hooks: WorkHooks = {},
  options: { clock?: Clock } = {},
): Promise<PublishResult> {
  const input = PublishInput.parse(rawInput);
  const clock = options.clock ?? systemClock;
  const started = clock.now();
  // The URL's subject when it names one, else the source's.
  const named = parseBusUrl(input.bus).subject;
  const subject = /[*>]/.test(named) ? sourceSubject(input.source) : named;
  const files = await orderMrtFiles(await expandPaths(input.mrt));
  const publisher = await BusPublisher.open(input.bus);
  const lines: Array<z.infer<typeof PublishedFile>> = [];
  try {
    for (const [i, file] of files.entries()) {
      const hash = await hashFile(file.path);
      const size = statSync(file.path).size;
      const source = await openByteSource(file.path);
      let part = 0;
      let bytes = 0;
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      const send = async (last: boolean): Promise<void> => {
        const data = Buffer.concat(pending, pendingBytes);
        pending = [];
        pendingBytes = 0;
        await publisher.publish(subject, {
          segment: hash,
          part: part++,
          data,
          ...(last ? { end: { path: file.path, size } } : {}),
        });
      };
      try {
        for await (const chunk of source.chunks()) {
          let rest = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
          bytes += rest.length;
          while (pendingBytes + rest.length >= input.partBytes) {
            const take = input.partBytes - pendingBytes;
            pending.push(rest.subarray(0, take));
            pendingBytes += take;
            rest = rest.subarray(take);
            await send(false);
          }
          if (rest.length > 0) {
            // The byte source may reuse its buffer: keep a copy.
            pending.push(Buffer.from(rest));
            pendingBytes += rest.length;
          }
        }
      } catch (error) {
        // A cut or corrupt file: what was decompressed is published, as ingest decodes it.
        if (error instanceof CairnError) hooks.onProblem?.(error);
        else throw error;
      } finally {
        await source.close();
      }
      await send(true);
      lines.push({ path: file.path, hash, parts: part, bytes });
      hooks.onProgress?.({ label: PUBLISH_FILES_LABEL, done: i + 1, total: files.length, unit: 'files' });
    }
    await publisher.flush();
  } finally {
    await publisher.close();
    hooks.onDone?.(PUBLISH_FILES_LABEL);
  }
  return PublishResult.parse({
    bus: input.bus,
    subject,
    files: lines,
    messages: publisher.stats.messages,
    duplicates: publisher.stats.duplicates,
    retries: publisher.stats.retries,
    bytes: publisher.stats.bytes,
    seconds: (clock.now() - started) / 1000,
  });
}

// ---- publishing live records (collector, RIS Live) ------------------------------------------

/**
 * Live BGP4MP_ET records cut into segments: parts of up to `partBytes` (or whatever is there at
 * each flush), a segment ended every `segmentSeconds` of the clock and on close. A segment's key
 * is a hash of the source, its start and a run id, so a restarted source never reuses one.
 */
export class LiveSegmentPublisher {
  private readonly writer: MrtWriter;
  private readonly runId = randomBytes(8).toString('hex');
  private segment: { key: string; start: number; part: number; bytes: number } | undefined;
  private timer: Timer | undefined;
  private chain: Promise<void> = Promise.resolve();
  private error: CairnError | undefined;
  private closed = false;
  /** Set while the writer's rest is handed over as a segment's last part. */
  private ending = false;

  constructor(
    private readonly publisher: BusPublisher,
    readonly source: string,
    private readonly options: {
      clock?: Clock;
      segmentSeconds?: number;
      partBytes?: number;
      flushMs?: number;
      onError?(error: CairnError): void;
    } = {},
  ) {
    this.writer = new MrtWriter({
      chunkSize: options.partBytes ?? DEFAULT_PART_BYTES,
      output: (chunk) => this.enqueue(Buffer.from(chunk), this.ending),
    });
    const clock = options.clock ?? systemClock;
    const flushMs = options.flushMs ?? 1000;
    const tick = (): void => {
      if (this.closed) return;
      this.rotateIfDue();
      this.flush();
      this.timer = clock.setTimeout(tick, flushMs, true);
    };
    this.timer = clock.setTimeout(tick, flushMs, true);
  }

  get subject(): string {
    return sourceSubject(this.source);
  }

  /** True while parts wait for the bus (a source that can pause should). */
  get congested(): boolean {
    return this.publisher.congested;
  }

  onDrain(listener: () => void): void {
    this.publisher.onDrain(listener);
  }

  private now(): number {
    return (this.options.clock ?? systemClock).now() / 1000;
  }

  private open(): { key: string; start: number; part: number; bytes: number } {
    if (this.segment === undefined) {
      const seconds = this.options.segmentSeconds ?? 300;
      const start = Math.floor(this.now() / seconds) * seconds;
      const key = createHash('sha256')
        .update(`${this.source}\u0000${start}\u0000${this.runId}`)
        .digest('hex');
      this.segment = { key, start, part: 0, bytes: 0 };
    }
    return this.segment;
  }

  /** The records writer, for the caller to append BGP4MP records to. */
  records(): MrtWriter {
    this.open();
    return this.writer;
  }

  private enqueue(data: Buffer, last: boolean): void {
    const segment = this.open();
    const part = segment.part++;
    segment.bytes += data.length;
    const end = last
      ? { path: `${this.subject}@${new Date(segment.start * 1000).toISOString()}`, size: segment.bytes }
      : undefined;
    if (last) this.segment = undefined;
    const message = { segment: segment.key, part, data, ...(end !== undefined ? { end } : {}) };
    // Parts go out in order: each publish waits for room behind the one before.
    this.chain = this.chain.then(() =>
      this.publisher.publish(this.subject, message).catch((error: unknown) => {
        const problem =
          error instanceof CairnError ? error : new CairnError('BUS_UNAVAILABLE', String(error));
        this.error ??= problem;
        this.options.onError?.(problem);
      }),
    );
  }

  /** Sends what the writer holds as a part (nothing when it holds nothing). */
  flush(): void {
    if (this.segment !== undefined) this.writer.flush();
  }

  private rotateIfDue(): void {
    const seconds = this.options.segmentSeconds ?? 300;
    if (this.segment !== undefined && this.now() >= this.segment.start + seconds) this.endSegment();
  }

  /** Ends the open segment: the rest of its records and the end marker. */
  endSegment(): void {
    if (this.segment === undefined) return;
    this.ending = true;
    try {
      this.writer.flush();
    } finally {
      this.ending = false;
    }
    // The writer held nothing: the end marker goes alone.
    if (this.segment !== undefined) this.enqueue(Buffer.alloc(0), true);
  }

  /** Ends the segment and waits until every part is acknowledged by the bus. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.timer?.cancel();
    this.endSegment();
    await this.chain;
    await this.publisher.close();
    if (this.error !== undefined) throw this.error;
  }
}

/**
 * A collector archive that publishes the records the MRT archive writes (both, when `inner` is
 * given): the collector's sink interface (bgp/collector) wired to the bus.
 */
export class BusCollectorArchive implements CollectorArchive {
  constructor(
    private readonly live: LiveSegmentPublisher,
    private readonly inner?: CollectorArchive,
  ) {}

  get congested(): boolean {
    return this.live.congested || (this.inner?.congested ?? false);
  }

  session(info: ArchiveSessionInfo): SessionArchive {
    const peer = bgp4mpPeer(info.peerAsn, info.localAsn, info.peerAddress, info.localAddress, info.as4);
    const inner = this.inner?.session(info);
    return {
      message: (time, raw, addPath) => {
        inner?.message(time, raw, addPath);
        this.live.records().bgp4mpMessage(peer, time.seconds, time.micros, raw, addPath);
      },
      stateChange: (time, oldState, newState) => {
        inner?.stateChange(time, oldState, newState);
        this.live.records().bgp4mpStateChange(peer, time.seconds, time.micros, oldState, newState);
      },
    };
  }

  onDrain(listener: () => void): void {
    this.inner?.onDrain(listener);
    this.live.onDrain(listener);
  }

  async close(): Promise<void> {
    await this.inner?.close();
    await this.live.close();
  }
}

/** RIS Live UPDATEs as BGP4MP_ET records on the bus (collector's view: local AS 0, 0.0.0.0). */
export class RisLivePublisher {
  private readonly peers = new Map<string, Bgp4mpPeer>();

  constructor(private readonly live: LiveSegmentPublisher) {}

  private peer(peer: RisPeer): Bgp4mpPeer {
    const key = `${peer.address} ${peer.asn}`;
    let mrtPeer = this.peers.get(key);
    if (mrtPeer === undefined) {
      const address = parseAddress(peer.address);
      mrtPeer = bgp4mpPeer(peer.asn, 0, address, parseAddress(address.family === 4 ? '0.0.0.0' : '::'), true);
      this.peers.set(key, mrtPeer);
    }
    return mrtPeer;
  }

  /** A RIS_PEER_STATE `down`: the session left Established (6) for Idle (1). */
  peerDown(peer: RisPeer, time: number): void {
    const seconds = Math.floor(time);
    this.live.records().bgp4mpStateChange(this.peer(peer), seconds, Math.round((time - seconds) * 1e6), 6, 1);
  }

  update(peer: RisPeer, update: BgpUpdate, time: number): void {
    const mrtPeer = this.peer(peer);
    const message = encodeUpdate(
      {
        withdrawn: update.withdrawn,
        announced: update.announced,
        attributes: update.attributes,
      },
      { asn4: true },
    );
    const seconds = Math.floor(time);
    this.live.records().bgp4mpMessage(mrtPeer, seconds, Math.round((time - seconds) * 1e6), message);
  }

  close(): Promise<void> {
    return this.live.close();
  }
}

// ---- the ingest worker -------------------------------------------------------------------------

export const BusIngestInput = z.object({
  bus: z.string(),
  /** The store (a DuckDB file or a clickhouse:// URL; default as ingest). */
  db: z.string().optional(),
  /** Workers sharing a durable consumer name share the work of one subject. */
  durable: z.string().default('cairn-ingest'),
  /** End once the stream has nothing left to deliver (default: run until stopped). */
  untilIdle: z.boolean().default(false),
  registry: z.array(z.string()).optional(),
  ...RoutingIngestOptions,
  /** Milliseconds before the bus delivers an unacknowledged message again. */
  ackWaitMs: z.number().int().min(1000).optional(),
});
export type BusIngestInput = z.input<typeof BusIngestInput>;

export const BusIngestResult = z.object({
  bus: z.string(),
  db: z.string(),
  segments: z.array(IngestFileLine),
  /** Segments replayed (already acknowledged) to rebuild the routing state. */
  replayed: z.number().int(),
  ingested: z.number().int(),
  skipped: z.number().int(),
  /** Elements decoded from new messages, and of the segments written. */
  elements: z.number().int(),
  elementsWritten: z.number().int(),
  /** Messages delivered again after a worker died (skipped or applied once). */
  redelivered: z.number().int(),
  seconds: z.number(),
  counts: StoreCountsSchema,
});
export type BusIngestResult = z.infer<typeof BusIngestResult>;

export const BUS_SEGMENTS_LABEL = 'bus segments';

export interface BusIngestOptions {
  clock?: Clock;
  /** A store the caller opened and closes. */
  store?: CairnStore;
  /** Stops the worker after the segment in hand. */
  signal?: AbortSignal;
}

interface OpenSegment {
  key: string;
  nextPart: number;
  bytes: number;
  framer: MrtFramer;
  first: number;
  last: number;
  count: number;
  problemCount: number;
  problems: string[];
}

/**
 * Runs an ingest worker on the bus; see the module header. When the bus loses deliveries on the
 * way (BUS_DELIVERY_GAP), the worker starts again from its last commit, as a restarted one does.
 */
export async function busIngest(
  rawInput: BusIngestInput,
  hooks: WorkHooks = {},
  options: BusIngestOptions = {},
): Promise<BusIngestResult> {
  const input = BusIngestInput.parse(rawInput);
  const store = options.store ?? (await openCairnStore(input.db));
  const segments: IngestFileLine[] = [];
  let elements = 0;
  let elementsWritten = 0;
  let redelivered = 0;
  try {
    for (;;) {
      try {
        const run = await busIngestRun(input, hooks, { ...options, store });
        return BusIngestResult.parse({
          ...run,
          segments: [...segments, ...run.segments],
          ingested: run.ingested + segments.filter((l) => l.status === 'ingested').length,
          skipped: run.skipped + segments.filter((l) => l.status === 'skipped').length,
          elements: elements + run.elements,
          elementsWritten: elementsWritten + run.elementsWritten,
          redelivered: redelivered + run.redelivered,
        });
      } catch (error) {
        if (!(error instanceof CairnError) || error.code !== 'BUS_DELIVERY_GAP') throw error;
        hooks.onProblem?.(error);
        const partial = (error as CairnError & { partial?: BusIngestResult }).partial;
        if (partial !== undefined) {
          segments.push(...partial.segments);
          elements += partial.elements;
          elementsWritten += partial.elementsWritten;
          redelivered += partial.redelivered;
        }
      }
    }
  } finally {
    if (options.store === undefined) await store.close();
  }
}

async function busIngestRun(
  rawInput: BusIngestInput,
  hooks: WorkHooks,
  options: BusIngestOptions & { store: CairnStore },
): Promise<BusIngestResult> {
  const input = BusIngestInput.parse(rawInput);
  const bus = parseBusUrl(input.bus);
  const clock = options.clock ?? systemClock;
  const started = clock.now();
  const store = options.store ?? (await openCairnStore(input.db));
  let consumer: BusConsumer | undefined;
  const lines: IngestFileLine[] = [];
  let replayed = 0;
  let elements = 0;
  let elementsWritten = 0;
  let redelivered = 0;
  try {
    consumer = await BusConsumer.open(bus, {
      durable: input.durable,
      ...(input.ackWaitMs !== undefined ? { ackWaitMs: input.ackWaitMs } : {}),
    });
    const registryFiles =
      input.registry ?? (await store.files('registry')).map((f) => f.path).filter((p) => existsSync(p));
    const loaded = await loadRegistryFiles(
      registryFiles.length > 0 ? registryFiles : [...DEFAULT_REGISTRY_FILES],
    );
    for (const problem of loaded.problems) hooks.onProblem?.(problem);
    const registry = loaded.registry;
    const table = new RoutingTable();
    const recorder = new HistoryRecorder(table, registry, {
      binSeconds: input.binSeconds,
      dependencySeconds: input.dependencySeconds,
    });
    const countries = [...new Set((input.outageCountries ?? registry.countries()).map(parseCountryCode))];
    const outages = new IngestOutages(table, registry, countries, input.binSeconds);
    let segmentsApplied = 0;
    let lastApplied = 0;
    let open: OpenSegment | undefined;

    const startSegment = (message: BusMessage, replaying: boolean): OpenSegment => {
      const segment: OpenSegment = {
        key: message.segment,
        nextPart: 0,
        bytes: 0,
        first: Number.POSITIVE_INFINITY,
        last: Number.NEGATIVE_INFINITY,
        count: 0,
        problemCount: 0,
        problems: [],
        framer: undefined as unknown as MrtFramer,
      };
      const onProblem = (problem: CairnError): void => {
        segment.problemCount++;
        if (segment.problems.length < MAX_SEGMENT_PROBLEMS) segment.problems.push(problem.describe());
        if (!replaying) hooks.onProblem?.(problem);
      };
      const decoder = new MrtDecoder(`${bus.text}#${message.segment.slice(0, 16)}`, {
        onElement(cursor) {
          const time = cursor.timestamp;
          if (time < segment.first) segment.first = time;
          if (time > segment.last) segment.last = time;
          segment.count++;
          recorder.advance(time);
          table.ingest(cursor, decoder);
        },
        onProblem,
      });
      segment.framer = new MrtFramer(decoder, { onProblem });
      return segment;
    };

    /** Closes the open segment: its records, written unless replaying or already stored. */
    const finishSegment = async (
      segment: OpenSegment,
      end: { path: string; size: number } | undefined,
      write: boolean,
    ): Promise<void> => {
      segment.framer.finish();
      recorder.flush();
      // The first segment's table gets a snapshot, as ingest's first file.
      if (segmentsApplied === 0 && Number.isFinite(segment.last))
        recorder.snapshotNow(Math.floor(segment.last));
      segmentsApplied++;
      const records = recorder.take();
      const touched = outages.takeFile();
      if (!write) return;
      elements += segment.count;
      const record: FileRecord = {
        hash: segment.key,
        kind: 'mrt',
        path: end?.path ?? `${bus.text}#${segment.key}`,
        size: end?.size ?? segment.bytes,
        ...(Number.isFinite(segment.first) ? { firstTime: segment.first, lastTime: segment.last } : {}),
        records: segment.count,
        problemCount: segment.problemCount,
        problems: segment.problems,
        ingestedAt: clock.now() / 1000,
      };
      let status: IngestFileLine['status'] = 'skipped';
      if (!(await store.hasFile(record.hash))) {
        const written = await store.ingestFile({
          file: record,
          bins: records.bins,
          visibility: records.visibility,
          dependency: records.dependency,
          changes: records.changes,
          outages: touched,
          resets: records.resets,
        });
        if (written) {
          status = 'ingested';
          elementsWritten += segment.count;
        }
      }
      lines.push({
        path: record.path,
        kind: 'mrt',
        hash: record.hash,
        status,
        records: record.records,
        problemCount: record.problemCount,
        ...(record.firstTime !== undefined ? { firstTime: record.firstTime, lastTime: record.lastTime } : {}),
      });
      hooks.onProgress?.({ label: BUS_SEGMENTS_LABEL, done: lines.length, unit: 'files' });
    };

    /** Applies one message; true when it ended a segment (written when `write`). */
    const apply = async (message: BusMessage, write: boolean): Promise<boolean> => {
      if (message.seq <= lastApplied) return false;
      lastApplied = message.seq;
      if (open !== undefined && open.key !== message.segment) {
        // A source that died mid-segment: what it sent is a segment of its own.
        hooks.onProblem?.(
          new CairnError('BUS_BAD_MESSAGE', `segment ${open.key} ended without its last part`, {
            file: bus.text,
            offset: message.seq,
          }),
        );
        const cut = open;
        open = undefined;
        await finishSegment(cut, undefined, write);
      }
      if (open === undefined) {
        if (message.part !== 0) {
          // The start of this segment is not on the stream (removed by age): nothing to build on.
          hooks.onProblem?.(
            new CairnError('BUS_BAD_MESSAGE', `segment ${message.segment} starts at part ${message.part}`, {
              file: bus.text,
              offset: message.seq,
            }),
          );
        }
        open = startSegment(message, !write);
        open.nextPart = message.part;
      }
      if (message.part !== open.nextPart)
        hooks.onProblem?.(
          new CairnError(
            'BUS_BAD_MESSAGE',
            `segment ${message.segment}: part ${message.part} where ${open.nextPart} was due`,
            { file: bus.text, offset: message.seq },
          ),
        );
      open.nextPart = message.part + 1;
      open.bytes += message.data.length;
      open.framer.push(message.data);
      if (message.end === undefined) return false;
      const done = open;
      open = undefined;
      await finishSegment(done, message.end, write);
      return true;
    };

    try {
      // The routing state of everything acknowledged, rebuilt without writing.
      const floor = await consumer.ackFloor();
      for await (const message of consumer.replay(floor)) if (await apply(message, false)) replayed++;
      if (open !== undefined)
        throw new CairnError('BUS_BAD_MESSAGE', `the acknowledged messages end inside a segment`, {
          file: bus.text,
          offset: floor,
        });
      for await (const message of consumer.messages({
        untilIdle: input.untilIdle,
        ...(options.signal !== undefined ? { signal: options.signal } : {}),
      })) {
        if (message.redelivered) redelivered++;
        if (message.seq <= lastApplied) {
          // Delivered again while this worker held it: applied already.
          continue;
        }
        if (await apply(message, true)) await message.ack();
        if (options.signal?.aborted === true && open === undefined) break;
      }
    } catch (error) {
      if (error instanceof CairnError && error.code === 'BUS_DELIVERY_GAP')
        // What this run committed stays counted when the worker starts again.
        Object.assign(error, {
          partial: { segments: lines, elements, elementsWritten, redelivered },
        });
      throw error;
    } finally {
      outages.close();
      recorder.close();
      hooks.onDone?.(BUS_SEGMENTS_LABEL);
    }
    return BusIngestResult.parse({
      bus: bus.text,
      db: store.location,
      segments: lines,
      replayed,
      ingested: lines.filter((l) => l.status === 'ingested').length,
      skipped: lines.filter((l) => l.status === 'skipped').length,
      elements,
      elementsWritten,
      redelivered,
      seconds: (clock.now() - started) / 1000,
      counts: await store.counts(),
    });
  } finally {
    await consumer?.close();
    if (options.store === undefined) await store.close();
  }
}

/** A live publisher for `source` on the bus `url` (the collector's, RIS Live's). */
export async function openLivePublisher(
  url: string,
  source: string,
  options: ConstructorParameters<typeof LiveSegmentPublisher>[2] = {},
): Promise<LiveSegmentPublisher> {
  return new LiveSegmentPublisher(await BusPublisher.open(url), source, options);
}
