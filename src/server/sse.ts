/**
 * Live alerts over Server-Sent Events. An alert source (a collector's alert stream, a replayed
 * archive) publishes into the hub; the hub numbers each alert, keeps the last `ringSize` in a ring
 * for `Last-Event-ID` replay, and writes each to every subscriber. A subscriber whose socket does
 * not keep up gets a bounded queue; when the queue is full the subscriber is dropped (and
 * counted) rather than letting memory grow.
 *
 * @example
 * const feed = new AlertFeed();
 * const app = await buildServer({ ...services, alerts: feed });
 * feed.publish(alert); // every open /api/v1/outages/stream receives it
 */
import type { ServerResponse } from 'node:http';
import type { AlertJson } from '../app/index.js';

/** Where alerts come from: anything a listener can subscribe to. */
export interface AlertSource {
  subscribe(listener: (alert: AlertJson) => void): () => void;
}

/** An alert source that publishes what it is handed (tests, benches, a replayed archive). */
export class AlertFeed implements AlertSource {
  private readonly listeners = new Set<(alert: AlertJson) => void>();

  subscribe(listener: (alert: AlertJson) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(alert: AlertJson): void {
    for (const listener of this.listeners) listener(alert);
  }
}

export interface HubOptions {
  /** Alerts kept for Last-Event-ID replay (default 1,000). */
  ringSize?: number;
  /** Events queued for one slow subscriber before it is dropped (default 1,000). */
  queueSize?: number;
  /** Subscribers at once (default 10,000); more are refused with 503. */
  maxSubscribers?: number;
  /** Milliseconds between keep-alive comments (default 15,000; 0: none). */
  heartbeatMs?: number;
}

export interface HubStats {
  published: number;
  subscribers: number;
  /** Slow subscribers dropped because their queue was full. */
  dropped: number;
  /** Event writes to subscribers (replays included). */
  delivered: number;
}

interface Entry {
  id: number;
  frame: string;
}

class Subscriber {
  private readonly queue: string[] = [];
  private waiting = false;
  private corked = false;

  constructor(
    readonly response: ServerResponse,
    /** Frames the queue may hold: the queue size, plus the replay (bounded by the ring). */
    private limit: number,
    private readonly onOverflow: (subscriber: Subscriber) => void,
  ) {
    response.on('drain', () => this.flush());
  }

  /** A replayed frame: it may queue beyond the queue size (the ring bounds the replay). */
  replay(frame: string): boolean {
    this.limit++;
    return this.send(frame);
  }

  /** Writes a frame now, or queues it while the socket is full; false when dropped. */
  send(frame: string): boolean {
    // Frames of one burst (published in the same tick) leave in one write.
    if (!this.corked) {
      this.corked = true;
      this.response.cork();
      process.nextTick(() => {
        this.corked = false;
        this.response.uncork();
      });
    }
    if (this.waiting) {
      if (this.queue.length >= this.limit) {
        this.onOverflow(this);
        return false;
      }
      this.queue.push(frame);
      return true;
    }
    this.waiting = !this.response.write(frame);
    return true;
  }

  private flush(): void {
    this.waiting = false;
    while (this.queue.length > 0 && !this.waiting) this.waiting = !this.response.write(this.queue.shift()!);
  }
}

export class AlertHub {
  private readonly ring: Entry[] = [];
  private readonly subscribers = new Set<Subscriber>();
  private nextId = 1;
  private readonly stats = { published: 0, dropped: 0, delivered: 0 };
  private readonly options: Required<HubOptions>;
  private heartbeat: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(options: HubOptions = {}) {
    this.options = {
      ringSize: options.ringSize ?? 1000,
      queueSize: options.queueSize ?? 1000,
      maxSubscribers: options.maxSubscribers ?? 10_000,
      heartbeatMs: options.heartbeatMs ?? 15_000,
    };
    if (this.options.heartbeatMs > 0) {
      this.heartbeat = setInterval(() => this.broadcast(': keep-alive\n\n', false), this.options.heartbeatMs);
      this.heartbeat.unref();
    }
  }

  /** Publishes every alert of `source` until `close`. */
  attach(source: AlertSource): void {
    this.unsubscribe = source.subscribe((alert) => this.publish(alert));
  }

  /** Numbers the alert, keeps it in the ring and writes it to every subscriber. */
  publish(alert: AlertJson): void {
    const id = this.nextId++;
    const frame = `id: ${id}\nevent: ${alert.kind}\ndata: ${JSON.stringify(alert)}\n\n`;
    this.ring.push({ id, frame });
    if (this.ring.length > this.options.ringSize) this.ring.shift();
    this.stats.published++;
    this.broadcast(frame, true);
  }

  private broadcast(frame: string, counted: boolean): void {
    for (const subscriber of this.subscribers) if (subscriber.send(frame) && counted) this.stats.delivered++;
  }

  /** Whether another subscriber is accepted. */
  get full(): boolean {
    return this.subscribers.size >= this.options.maxSubscribers;
  }

  /**
   * Takes over `response` as an event stream: replays the ring after `lastEventId` (with a `gap`
   * event when alerts between it and the ring's oldest were lost), then live alerts.
   */
  subscribe(response: ServerResponse, headers: Record<string, string>, lastEventId?: number): void {
    response.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const subscriber = new Subscriber(response, this.options.queueSize, (s) => this.drop(s));
    this.subscribers.add(subscriber);
    response.on('close', () => this.subscribers.delete(subscriber));
    subscriber.send(`retry: 3000\n: cairn alerts, ${this.ring.length} kept\n\n`);
    if (lastEventId !== undefined) {
      const oldest = this.ring[0]?.id ?? this.nextId;
      if (lastEventId + 1 < oldest)
        subscriber.replay(
          `event: gap\ndata: ${JSON.stringify({ after: lastEventId, resumedAt: oldest })}\n\n`,
        );
      for (const entry of this.ring)
        if (entry.id > lastEventId && subscriber.replay(entry.frame)) this.stats.delivered++;
    }
  }

  private drop(subscriber: Subscriber): void {
    if (!this.subscribers.delete(subscriber)) return;
    this.stats.dropped++;
    subscriber.response.destroy();
  }

  counts(): HubStats {
    return { ...this.stats, subscribers: this.subscribers.size };
  }

  /** Ends every stream and stops listening to the source. */
  close(): void {
    this.unsubscribe?.();
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    for (const subscriber of this.subscribers) subscriber.response.end();
    this.subscribers.clear();
  }
}
