/**
 * Where alerts go: one JSON line each on a stream (stdout by default) and, when configured, a
 * POST of the same JSON to a webhook. The webhook never blocks the collector: requests have a
 * timeout, at most `maxInFlight` run at once, and past `maxQueued` waiting alerts the oldest
 * are dropped (and counted), so a dead endpoint cannot grow memory.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { CairnError } from '../../errors/index.js';

/** An alert: any JSON object; `kind` says what it is (`peer-down`, `outage`, ...). */
export interface Alert {
  kind: string;
  /** ISO 8601 UTC. */
  time: string;
  [field: string]: unknown;
}

export interface AlertPublisherOptions {
  /** JSON lines go here; default process.stdout. */
  output?: Writable;
  webhookUrl?: string;
  timeoutMs?: number;
  maxInFlight?: number;
  maxQueued?: number;
  logger?: Logger;
}

export class AlertPublisher {
  private readonly output: Writable;
  private readonly url: URL | undefined;
  private readonly queue: string[] = [];
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  /** Counters: published, webhook delivered, webhook failed, dropped (queue full). */
  readonly stats = { published: 0, delivered: 0, failed: 0, dropped: 0 };

  constructor(private readonly options: AlertPublisherOptions = {}) {
    this.output = options.output ?? process.stdout;
    if (options.webhookUrl !== undefined) {
      const url = new URL(options.webhookUrl);
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw new CairnError('COLLECTOR_BAD_WEBHOOK', `webhook URL must be http or https: ${url.protocol}`, {
          field: 'webhookUrl',
        });
      this.url = url;
    }
  }

  publish(alert: Alert): void {
    const line = JSON.stringify(alert);
    this.stats.published++;
    this.output.write(line + '\n');
    if (this.url === undefined) return;
    if (this.queue.length >= (this.options.maxQueued ?? 1000)) {
      this.queue.shift();
      this.stats.dropped++;
      this.options.logger?.warn({ dropped: this.stats.dropped }, 'webhook queue full, oldest alert dropped');
    }
    this.queue.push(line);
    this.pump();
  }

  /** Resolves when every queued webhook request has finished (or failed). */
  async idle(): Promise<void> {
    if (this.inFlight === 0 && this.queue.length === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    const url = this.url!;
    while (this.inFlight < (this.options.maxInFlight ?? 4) && this.queue.length > 0) {
      const body = this.queue.shift()!;
      this.inFlight++;
      this.post(url, body).then(
        () => {
          this.stats.delivered++;
          this.done();
        },
        (error: Error) => {
          this.stats.failed++;
          this.options.logger?.warn({ url: url.origin, err: error.message }, 'webhook delivery failed');
          this.done();
        },
      );
    }
  }

  private done(): void {
    this.inFlight--;
    this.pump();
    if (this.inFlight === 0 && this.queue.length === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private post(url: URL, body: string): Promise<void> {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        url,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          timeout: this.options.timeoutMs ?? 5000,
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve();
            else reject(new Error(`HTTP ${status}`));
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end(body);
    });
  }
}
