/**
 * The alert stream, a transport: `cairn collect --alert-socket` serves every alert line on a
 * local Unix socket, `cairn outages --live` (followAlerts) reads them. Lines are AlertJson
 * (live.ts); the server passes bytes through, the client checks each line against the schema.
 */
import { chmod, unlink } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { CairnError } from '../errors/index.js';
import { AlertJson } from './live.js';

export { DEFAULT_ALERT_SOCKET } from './alert-socket.js';

/** A client that has this many bytes unread is too slow: it is dropped, the collector goes on. */
const MAX_CLIENT_BACKLOG = 1 << 20;

/**
 * A Unix socket (mode 0600) that streams every alert line to each connected client. Clients only
 * read; what they send is discarded. A client that stops reading is disconnected once 1 MiB is
 * queued for it, so a stuck `cairn outages --live` cannot grow the collector's memory.
 */
export class AlertStreamServer {
  private readonly clients = new Set<Socket>();
  /** Counters: clients accepted, lines sent, clients dropped for not reading. */
  readonly stats = { clients: 0, lines: 0, dropped: 0 };

  private constructor(
    private readonly server: Server,
    readonly path: string,
    private readonly logger: Logger | undefined,
  ) {
    server.on('connection', (socket) => {
      this.stats.clients++;
      this.clients.add(socket);
      socket.on('data', () => {});
      socket.on('error', () => {});
      socket.once('close', () => this.clients.delete(socket));
    });
  }

  /** Listens on `path`; a stale socket file (nobody listening) is replaced, a live one refused. */
  static async listen(path: string, logger?: Logger): Promise<AlertStreamServer> {
    const server = createServer();
    const tryListen = (): Promise<NodeJS.ErrnoException | undefined> =>
      new Promise((resolve) => {
        const onError = (error: NodeJS.ErrnoException): void => resolve(error);
        server.once('error', onError);
        server.listen(path, () => {
          server.off('error', onError);
          resolve(undefined);
        });
      });
    let error = await tryListen();
    if (error?.code === 'EADDRINUSE') {
      if (await socketAnswers(path))
        throw new CairnError('COLLECT_ALERT_SOCKET_IN_USE', `another collector streams alerts on ${path}`, {
          file: path,
        });
      await unlink(path).catch(() => {});
      error = await tryListen();
    }
    if (error !== undefined)
      throw new CairnError('COLLECT_ALERT_SOCKET', `cannot listen on ${path}: ${error.message}`, {
        file: path,
      });
    await chmod(path, 0o600).catch(() => {});
    return new AlertStreamServer(server, path, logger);
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Sends bytes (whole lines) to every client. */
  broadcast(chunk: Uint8Array | string): void {
    if (this.clients.size === 0) return;
    this.stats.lines++;
    for (const client of this.clients) {
      if (client.writableLength > MAX_CLIENT_BACKLOG) {
        this.stats.dropped++;
        this.logger?.warn({ socket: this.path }, 'alert stream client does not read: dropped');
        client.destroy();
        this.clients.delete(client);
        continue;
      }
      client.write(chunk);
    }
  }

  /** A stream that writes to `output` and to every client. */
  tee(output: Writable): Writable {
    return new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        this.broadcast(chunk);
        output.write(chunk);
        done();
      },
    });
  }

  /** Ends every client and removes the socket file. */
  async close(): Promise<void> {
    for (const client of this.clients) client.end();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const client of this.clients) client.destroy();
    });
    this.clients.clear();
    await unlink(this.path).catch(() => {});
  }
}

function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Longest alert line a client accepts (a bounded alert is a few KiB). */
const MAX_ALERT_LINE = 1 << 20;

/**
 * Attaches to a collector's alert stream and calls `onAlert` for each alert (parsed JSON object)
 * until the collector closes the stream or `signal` aborts. Throws `OUTAGES_LIVE_UNAVAILABLE`
 * when no collector listens on `path`. Lines that are not alerts (AlertJson) are skipped and counted.
 */
export async function followAlerts(
  path: string,
  onAlert: (alert: AlertJson) => void,
  signal?: AbortSignal,
): Promise<{ alerts: number; skipped: number }> {
  const socket = connect(path);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new CairnError(
          'OUTAGES_LIVE_UNAVAILABLE',
          `cairn outages --live: no collector is running with an alert socket at ${path} ` +
            `(${error.code ?? error.message}); start one with cairn collect --config FILE --country CC --alert-socket ${path}`,
          { file: path, field: 'live' },
        ),
      ),
    );
  });
  const counts = { alerts: 0, skipped: 0 };
  let pending = '';
  const line = (text: string): void => {
    if (text.length === 0) return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      counts.skipped++;
      return;
    }
    const alert = AlertJson.safeParse(value);
    if (!alert.success) {
      counts.skipped++;
      return;
    }
    counts.alerts++;
    onAlert(alert.data);
  };
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    pending += chunk;
    let end: number;
    while ((end = pending.indexOf('\n')) >= 0) {
      line(pending.slice(0, end));
      pending = pending.slice(end + 1);
    }
    if (pending.length > MAX_ALERT_LINE) {
      counts.skipped++;
      pending = '';
    }
  });
  const abort = (): void => {
    socket.destroy();
  };
  signal?.addEventListener('abort', abort, { once: true });
  await new Promise<void>((resolve) => {
    socket.once('close', () => resolve());
    socket.on('error', () => {});
  });
  signal?.removeEventListener('abort', abort);
  return counts;
}
