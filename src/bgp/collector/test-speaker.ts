/**
 * A minimal active BGP speaker for tests and benchmarks: connects to a collector over TCP from a
 * chosen local address (127.0.0.x on loopback), exchanges OPEN and KEEPALIVE, sends UPDATEs
 * built with `encodeUpdate`, and can send any raw bytes (hostile variants). It records what the
 * collector sends back (decoded) so tests can wait for a NOTIFICATION or the close.
 *
 * Not a BGP implementation to peer with real routers: no FSM of its own, no timers.
 */
import { connect, type Socket } from 'node:net';
import {
  decodeBgpMessage,
  encodeKeepalive,
  encodeOpen,
  encodeUpdate,
  readBgpHeader,
  type BgpMessage,
  type Capability,
  type SessionOptions,
  type UpdateSpec,
} from '../message.js';
import { CairnError } from '../../errors/index.js';

export interface TestSpeakerOptions {
  host: string;
  port: number;
  /** Source address, for example 127.0.0.2 (the collector knows peers by address). */
  localAddress?: string;
  asn: number;
  bgpId: string;
  holdTime?: number;
  /** Capabilities of our OPEN; default: IPv4 and IPv6 unicast, route refresh, 4-octet AS. */
  capabilities?: Capability[];
  /** Ask to send ADD-PATH path ids (adds the capability with send for IPv4 and IPv6 unicast). */
  addPath?: boolean;
  /** Answer each KEEPALIVE with one (keeps the collector's hold timer happy). Default false. */
  answerKeepalives?: boolean;
}

/** Capabilities a modern speaker announces. */
export function defaultCapabilities(asn: number, addPath = false): Capability[] {
  const caps: Capability[] = [
    { kind: 'multiprotocol', code: 1, afi: 1, safi: 1 },
    { kind: 'multiprotocol', code: 1, afi: 2, safi: 1 },
    { kind: 'route-refresh', code: 2 },
    { kind: 'four-octet-as', code: 65, asn },
  ];
  if (addPath)
    caps.push({
      kind: 'add-path',
      code: 69,
      families: [
        { afi: 1, safi: 1, receive: false, send: true },
        { afi: 2, safi: 1, receive: false, send: true },
      ],
    });
  return caps;
}

export class BgpTestSpeaker {
  /** Messages the collector sent, decoded. */
  readonly received: BgpMessage[] = [];
  /** Resolves when the connection has closed. */
  readonly closed: Promise<void>;
  isClosed = false;
  /** Session options for encoding UPDATEs (ADD-PATH when asked for). */
  session: SessionOptions = { asn4: true };
  private pending: Buffer = Buffer.alloc(0);
  private waiters: { test: (m: BgpMessage) => boolean; resolve: (m: BgpMessage) => void }[] = [];
  private closeWaiters: (() => void)[] = [];

  private constructor(
    readonly socket: Socket,
    readonly options: TestSpeakerOptions,
  ) {
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        this.isClosed = true;
        for (const w of this.closeWaiters) w();
        resolve();
      });
    });
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
  }

  static async connect(options: TestSpeakerOptions): Promise<BgpTestSpeaker> {
    const socket = connect({
      host: options.host,
      port: options.port,
      ...(options.localAddress !== undefined ? { localAddress: options.localAddress } : {}),
      noDelay: true,
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new BgpTestSpeaker(socket, options);
  }

  private onData(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let p = 0;
    for (;;) {
      let header;
      try {
        header = readBgpHeader(this.pending, p, { extendedMessages: true });
      } catch {
        this.socket.destroy();
        return;
      }
      if (header === undefined || this.pending.length - p < header.length) break;
      const message = decodeBgpMessage(this.pending, p, { ...this.session, extendedMessages: true });
      p += header.length;
      this.received.push(message);
      if (message.type === 'keepalive' && this.options.answerKeepalives && !this.isClosed)
        this.socket.write(encodeKeepalive());
      this.waiters = this.waiters.filter((w) => {
        if (!w.test(message)) return true;
        w.resolve(message);
        return false;
      });
    }
    this.pending = this.pending.subarray(p);
  }

  /** Resolves with the first message (already received or future) of that type; rejects on close. */
  waitFor(type: BgpMessage['type']): Promise<BgpMessage> {
    const test = (m: BgpMessage): boolean => m.type === type;
    const seen = this.received.find(test);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      this.waiters.push({ test, resolve });
      const onClose = (): void => {
        // A message that arrived with the close is delivered before the close event.
        const late = this.received.find(test);
        if (late !== undefined) resolve(late);
        else reject(new CairnError('TEST_SPEAKER_CLOSED', `closed before a ${type} arrived`));
      };
      if (this.isClosed) onClose();
      else this.closeWaiters.push(onClose);
    });
  }

  /** The NOTIFICATION the collector sent, if any. */
  notification(): Extract<BgpMessage, { type: 'notification' }> | undefined {
    return this.received.find((m) => m.type === 'notification') as
      Extract<BgpMessage, { type: 'notification' }> | undefined;
  }

  /** Writes bytes; resolves once the socket has taken them (drain when its buffer is full). */
  async send(bytes: Uint8Array): Promise<void> {
    if (this.isClosed) return;
    if (!this.socket.write(bytes)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.socket.off('drain', done);
          this.socket.off('close', done);
          resolve();
        };
        this.socket.once('drain', done);
        this.socket.once('close', done);
      });
    }
  }

  openMessage(): Uint8Array {
    const o = this.options;
    return encodeOpen({
      asn: o.asn,
      holdTime: o.holdTime ?? 90,
      bgpId: o.bgpId,
      capabilities: o.capabilities ?? defaultCapabilities(o.asn, o.addPath),
    });
  }

  /** OPEN, then the collector's OPEN and KEEPALIVE, then our KEEPALIVE: the session is up. */
  async establish(): Promise<void> {
    await this.send(this.openMessage());
    const open = await this.waitFor('open');
    await this.waitFor('keepalive');
    const theirs = open.type === 'open' ? open : undefined;
    const peerAddPath = theirs?.capabilities.some(
      (c) => c.kind === 'add-path' && c.families.some((f) => f.receive),
    );
    if (this.options.addPath && peerAddPath) this.session = { asn4: true, addPath: true };
    await this.send(encodeKeepalive());
  }

  async sendUpdate(update: UpdateSpec): Promise<void> {
    await this.send(encodeUpdate(update, this.session));
  }

  /** UPDATEs in order, in one write: a flood of small messages without a write call each. */
  async sendUpdates(updates: readonly UpdateSpec[]): Promise<void> {
    await this.send(Buffer.concat(updates.map((update) => encodeUpdate(update, this.session))));
  }

  /** Closes our side and waits for the close. */
  async close(): Promise<void> {
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
    await this.closed;
  }
}
