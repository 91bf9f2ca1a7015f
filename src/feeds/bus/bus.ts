/**
 * The element bus on NATS JetStream: publishers put segments of elements on a durable stream,
 * ingest workers read them through a durable pull consumer and acknowledge a segment once the
 * store has committed it. The payload is opaque here (app puts whole MRT records in it); what
 * this file owns is the segment framing in headers, publishing with a message id the stream
 * deduplicates on, bounded in-flight publishing (back-pressure), the durable consumer, and a
 * replay of what was already acknowledged (a restarted worker rebuilds its state from it).
 */
import type { ConsumerInfo, JetStreamClient, JetStreamManager, JsMsg, NatsConnection } from 'nats';
import { CairnError } from '../../errors/index.js';
import { parseBusUrl, type BusUrl } from './url.js';

let nats: typeof import('nats') | undefined;

/** Loads the NATS client on the first connection: importing the bus costs nothing until it is used. */
async function loadNats(): Promise<typeof import('nats')> {
  return (nats ??= await import('nats'));
}

/** Header names of the segment framing. */
const H_SEGMENT = 'Cairn-Segment';
const H_PART = 'Cairn-Part';
const H_LAST = 'Cairn-Last';
const H_PATH = 'Cairn-Path';
const H_SIZE = 'Cairn-Size';

/** What the last part of a segment says about the whole (as a file record would). */
export interface SegmentEnd {
  /** Where the elements came from: a file path, or the source and the segment's start. */
  path: string;
  /** Bytes of the source (the file's size; the records' bytes for a live segment). */
  size: number;
}

/**
 * One message of a segment: a run of elements in order. A segment is the unit a worker commits:
 * its key (a content hash) is the store's file identity, so a segment written twice counts once.
 */
export interface SegmentPart {
  segment: string;
  /** 0, 1, 2 ... within the segment. */
  part: number;
  data: Uint8Array;
  /** On the last part only. */
  end?: SegmentEnd;
}

/** A part as read from the stream, with its stream sequence. */
export interface BusMessage extends SegmentPart {
  seq: number;
  subject: string;
  /** The server delivered it before (the worker that had it did not acknowledge it). */
  redelivered: boolean;
}

export interface BusOptions {
  /** Milliseconds a publish or a request waits for the server (default 10,000). */
  timeoutMs?: number;
  /** Seconds the stream remembers message ids to drop a republished one (default 600). */
  duplicateWindowSeconds?: number;
  /** Seconds the stream keeps elements (default 0: until removed by hand). */
  maxAgeSeconds?: number;
}

function busError(url: BusUrl, what: string, error: unknown): CairnError {
  const message = error instanceof Error ? error.message : String(error);
  return new CairnError('BUS_UNAVAILABLE', `${what}: ${message} (${url.text})`, { file: url.text });
}

/** A connection to the bus with the stream made sure of. */
export class BusConnection {
  private constructor(
    readonly url: BusUrl,
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
  ) {}

  /** Connects and creates the stream when it is not there (file storage, id deduplication). */
  static async open(url: string | BusUrl, options: BusOptions = {}): Promise<BusConnection> {
    const parsed = typeof url === 'string' ? parseBusUrl(url) : url;
    const timeout = options.timeoutMs ?? 10_000;
    const { RetentionPolicy, StorageType, connect, nanos } = await loadNats();
    let nc: NatsConnection;
    try {
      nc = await connect({ servers: parsed.servers, timeout, name: 'cairn', maxReconnectAttempts: -1 });
    } catch (error) {
      throw busError(parsed, 'cannot connect to the bus', error);
    }
    try {
      const jsm = await nc.jetstreamManager({ timeout });
      const exists = await jsm.streams.info(parsed.stream).then(
        () => true,
        () => false,
      );
      if (!exists)
        await jsm.streams.add({
          name: parsed.stream,
          // The URL's subject, so that streams of other subjects can live on the same server.
          subjects: [parsed.subject],
          storage: StorageType.File,
          retention: RetentionPolicy.Limits,
          duplicate_window: nanos((options.duplicateWindowSeconds ?? 600) * 1000),
          max_age: nanos((options.maxAgeSeconds ?? 0) * 1000),
        });
      return new BusConnection(parsed, nc, nc.jetstream({ timeout }), jsm);
    } catch (error) {
      await nc.close().catch(() => undefined);
      if (error instanceof CairnError) throw error;
      throw busError(parsed, 'cannot set up the stream', error);
    }
  }

  async close(): Promise<void> {
    await this.nc.drain().catch(() => this.nc.close());
  }
}

export interface PublisherOptions extends BusOptions {
  /** Publishes waiting for the server's acknowledgement at most (default 64): more waits. */
  maxInFlight?: number;
  /** Attempts of one message before giving up (default 30, about a minute with the back-off). */
  attempts?: number;
}

export interface PublisherStats {
  messages: number;
  bytes: number;
  /** Messages the stream had already (a retry after a lost acknowledgement): not stored twice. */
  duplicates: number;
  retries: number;
}

/**
 * Publishes segment parts with `Nats-Msg-Id` = segment:part, so that a part sent again after a
 * timeout is dropped by the stream; at most `maxInFlight` wait for their acknowledgement.
 */
export class BusPublisher {
  readonly stats: PublisherStats = { messages: 0, bytes: 0, duplicates: 0, retries: 0 };
  private readonly inFlight = new Set<Promise<void>>();
  private readonly drainListeners: Array<() => void> = [];
  private failure: CairnError | undefined;
  private readonly maxInFlight: number;
  private readonly attempts: number;

  private constructor(
    readonly connection: BusConnection,
    private readonly owned: boolean,
    options: PublisherOptions,
  ) {
    this.maxInFlight = options.maxInFlight ?? 64;
    this.attempts = options.attempts ?? 30;
  }

  static async open(
    url: string | BusUrl | BusConnection,
    options: PublisherOptions = {},
  ): Promise<BusPublisher> {
    if (url instanceof BusConnection) return new BusPublisher(url, false, options);
    return new BusPublisher(await BusConnection.open(url, options), true, options);
  }

  /** Whether a publish would wait for room (a source that can pause should). */
  get congested(): boolean {
    return this.inFlight.size >= this.maxInFlight;
  }

  /** Queues one part on `subject`; resolves once there is room for the next (back-pressure). */
  async publish(subject: string, part: SegmentPart): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    while (this.inFlight.size >= this.maxInFlight) await Promise.race(this.inFlight);
    if (this.failure !== undefined) throw this.failure;
    const sending: Promise<void> = this.send(subject, part)
      .catch((error: unknown) => {
        this.failure ??=
          error instanceof CairnError ? error : busError(this.connection.url, 'publish failed', error);
      })
      .finally(() => {
        const wasFull = this.inFlight.size >= this.maxInFlight;
        this.inFlight.delete(sending);
        if (wasFull) for (const listener of this.drainListeners) listener();
      });
    this.inFlight.add(sending);
  }

  /** Called each time room comes back after the in-flight bound was reached. */
  onDrain(listener: () => void): void {
    this.drainListeners.push(listener);
  }

  private async send(subject: string, part: SegmentPart): Promise<void> {
    // Loaded: a publisher exists only over an open connection.
    const h = nats!.headers();
    h.set(H_SEGMENT, part.segment);
    h.set(H_PART, String(part.part));
    if (part.end !== undefined) {
      h.set(H_LAST, '1');
      h.set(H_PATH, encodeURIComponent(part.end.path));
      h.set(H_SIZE, String(part.end.size));
    }
    const msgID = `${part.segment}:${part.part}`;
    for (let attempt = 1; ; attempt++) {
      try {
        const ack = await this.connection.js.publish(subject, part.data, { msgID, headers: h });
        this.stats.messages++;
        this.stats.bytes += part.data.length;
        if (ack.duplicate) this.stats.duplicates++;
        return;
      } catch (error) {
        if (attempt >= this.attempts)
          throw busError(this.connection.url, `publish of ${msgID} failed after ${attempt} attempts`, error);
        this.stats.retries++;
        await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 100 * 2 ** attempt)));
      }
    }
  }

  /** Waits until every part published has been acknowledged; throws the first failure. */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
    if (this.failure !== undefined) throw this.failure;
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      if (this.owned) await this.connection.close();
    }
  }
}

/**
 * Every message of a fetch, taken before any is handled: a pull request that expires while the
 * caller works on its first messages must not leave the rest behind.
 */
async function drainFetch(messages: AsyncIterable<JsMsg>): Promise<JsMsg[]> {
  const batch: JsMsg[] = [];
  for await (const message of messages) batch.push(message);
  return batch;
}

function readPart(message: JsMsg, bus: BusUrl): BusMessage {
  const h = message.headers;
  const segment = h?.get(H_SEGMENT) ?? '';
  const part = Number(h?.get(H_PART) ?? 'NaN');
  if (segment === '' || !Number.isInteger(part) || part < 0)
    throw new CairnError('BUS_BAD_MESSAGE', `message ${message.seq} has no segment framing`, {
      file: bus.text,
      offset: message.seq,
    });
  const last = h?.get(H_LAST) === '1';
  return {
    seq: message.seq,
    subject: message.subject,
    segment,
    part,
    data: message.data,
    redelivered: message.redelivered,
    ...(last
      ? { end: { path: decodeURIComponent(h?.get(H_PATH) ?? ''), size: Number(h?.get(H_SIZE) ?? '0') } }
      : {}),
  };
}

const RESUME_NOTE = 'cairn ingest worker; resumes after stream sequence ';

/** The consumer's ack floor, or where it was made to resume when that is later. */
function floorOf(info: ConsumerInfo): number {
  const note = info.config.description ?? '';
  const resumed = note.startsWith(RESUME_NOTE) ? Number(note.slice(RESUME_NOTE.length)) || 0 : 0;
  return Math.max(info.ack_floor.stream_seq, resumed);
}

export interface ConsumerOptions extends BusOptions {
  /** The durable consumer's name: one worker reads one (default `cairn-ingest`). */
  durable?: string;
  /** Milliseconds before an unacknowledged message is delivered again (default 30,000); held
   * messages are kept from it by progress signals. */
  ackWaitMs?: number;
  /** Messages asked for at a time (default 64). */
  batch?: number;
}

/**
 * A durable pull consumer with acknowledgement of everything up to a message (`AckPolicy.All`):
 * a worker acknowledges a segment's last part once the store committed the segment, so the
 * consumer's ack floor is always the end of a committed segment.
 *
 * One worker reads one durable consumer: on open, messages a previous worker had and did not
 * acknowledge are delivered again at once, in stream order (the consumer is made again starting
 * after its ack floor), rather than after the acknowledgement wait and behind newer messages.
 */
export class BusConsumer {
  private readonly held: JsMsg[] = [];
  private readonly keepAlive: NodeJS.Timeout;

  private constructor(
    readonly connection: BusConnection,
    readonly durable: string,
    private readonly batch: number,
    ackWaitMs: number,
  ) {
    // Messages a worker holds (a segment not yet committed) are not delivered to it again.
    this.keepAlive = setInterval(
      () => {
        for (const message of this.held) message.working();
      },
      Math.max(200, ackWaitMs / 3),
    );
    this.keepAlive.unref();
  }

  static async open(url: string | BusUrl, options: ConsumerOptions = {}): Promise<BusConsumer> {
    const connection = await BusConnection.open(url, options);
    const { AckPolicy, DeliverPolicy, nanos } = await loadNats();
    const durable = options.durable ?? 'cairn-ingest';
    const ackWaitMs = options.ackWaitMs ?? 30_000;
    const bus = connection.url;
    const config = (floor: number) => ({
      durable_name: durable,
      // A consumer made again after its floor starts with an ack floor of 0: the description
      // keeps where it resumed, so the floor survives any number of restarts.
      description: `${RESUME_NOTE}${floor}`,
      ack_policy: AckPolicy.All,
      ...(floor > 0
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: floor + 1 }
        : { deliver_policy: DeliverPolicy.All }),
      ack_wait: nanos(ackWaitMs),
      max_ack_pending: 100_000,
      filter_subject: bus.subject,
    });
    try {
      const info = await connection.jsm.consumers.info(bus.stream, durable).catch(() => undefined);
      if (info === undefined) await connection.jsm.consumers.add(bus.stream, config(0));
      else if (info.num_ack_pending > 0 || info.delivered.stream_seq > floorOf(info)) {
        const floor = floorOf(info);
        await connection.jsm.consumers.delete(bus.stream, durable);
        await connection.jsm.consumers.add(bus.stream, config(floor));
      }
    } catch (error) {
      await connection.close();
      throw busError(bus, `cannot set up the consumer ${durable}`, error);
    }
    return new BusConsumer(connection, durable, options.batch ?? 64, ackWaitMs);
  }

  async info(): Promise<ConsumerInfo> {
    return this.connection.jsm.consumers.info(this.connection.url.stream, this.durable);
  }

  /** The stream sequence up to which every message is acknowledged (0: none). */
  async ackFloor(): Promise<number> {
    return floorOf(await this.info());
  }

  /**
   * The stream's messages of this consumer's subject from the start through `upTo`, in order,
   * read by an ordered consumer (no acknowledgement, nothing changes on the durable one).
   */
  async *replay(upTo: number): AsyncGenerator<BusMessage> {
    if (upTo <= 0) return;
    const bus = this.connection.url;
    const ordered = await this.connection.js.consumers.get(bus.stream, { filterSubjects: bus.subject });
    for (;;) {
      const batch = await drainFetch(await ordered.fetch({ max_messages: this.batch, expires: 2000 }));
      if (batch.length === 0) return;
      for (const message of batch) {
        if (message.seq > upTo) return;
        yield readPart(message, bus);
        if (message.seq === upTo || message.info.pending === 0) return;
      }
    }
  }

  /**
   * Messages of the durable consumer as they come, each with its `ack` (acknowledging it and
   * everything before it). With `untilIdle`, ends once nothing is left to deliver.
   */
  async *messages(
    options: { untilIdle?: boolean; signal?: AbortSignal } = {},
  ): AsyncGenerator<BusMessage & { ack(): Promise<void> }> {
    const bus = this.connection.url;
    const consumer = await this.connection.js.consumers.get(bus.stream, this.durable);
    let delivery = (await this.info()).delivered.consumer_seq;
    while (options.signal?.aborted !== true) {
      const batch = await drainFetch(await consumer.fetch({ max_messages: this.batch, expires: 5000 }));
      this.held.push(...batch);
      for (const message of batch) {
        // Deliveries are numbered without gaps: a jump means some never reached this client.
        const sequence = message.info.deliverySequence;
        if (sequence !== delivery + 1)
          throw new CairnError(
            'BUS_DELIVERY_GAP',
            `delivery ${sequence} came after ${delivery}: messages between them were lost on the way`,
            { file: bus.text, offset: message.seq },
          );
        delivery = sequence;
        const ack = async (): Promise<void> => {
          const i = this.held.indexOf(message);
          if (i >= 0) this.held.splice(0, i + 1);
          if (!(await message.ackAck()))
            throw new CairnError('BUS_UNAVAILABLE', `the acknowledgement of ${message.seq} was refused`, {
              file: bus.text,
              offset: message.seq,
            });
        };
        yield { ...readPart(message, bus), ack };
      }
      if (batch.length === 0 && options.untilIdle === true) {
        // Idle: nothing left to deliver, and nothing out but what this worker holds.
        const info = await this.info();
        if (info.num_pending === 0 && info.num_ack_pending <= this.held.length) return;
      }
    }
  }

  async close(): Promise<void> {
    clearInterval(this.keepAlive);
    this.held.length = 0;
    await this.connection.close();
  }
}
