/**
 * A NATS server with JetStream on 127.0.0.1 for the bus tests: Debian's nats-server, its own
 * store folder and a free port, run under the live harness's watchdog (stopped in teardown and
 * killed on process exit, even after a failure).
 */
import net from 'node:net';
import { Daemon, TempDir, freePort, requireBinaries, waitFor } from '../harness.js';

const HOST = '127.0.0.1';

export class NatsServer {
  private daemon: Daemon | undefined;

  private constructor(
    private readonly binary: string,
    private readonly temp: TempDir,
    readonly port: number,
  ) {}

  static async start(): Promise<NatsServer> {
    const { 'nats-server': binary } = requireBinaries(['nats-server']);
    const server = new NatsServer(binary, new TempDir('cairn-nats-'), await freePort(HOST));
    await server.restart();
    return server;
  }

  get url(): string {
    return `nats://${HOST}:${this.port}`;
  }

  /** Starts the server (again, on the same store folder) and waits until it accepts connections. */
  async restart(): Promise<void> {
    if (this.daemon?.running === true) return;
    const daemon = new Daemon('nats-server', this.binary, [
      '-js',
      '-sd',
      this.temp.file('js'),
      '-a',
      HOST,
      '-p',
      String(this.port),
    ]);
    this.daemon = daemon;
    await waitFor(
      `nats-server to accept connections on ${HOST}:${this.port}`,
      30_000,
      async () => {
        if (!daemon.running)
          throw new Error(`nats-server exited (${daemon.exitStatus}):\n${daemon.output()}`);
        return new Promise<boolean>((resolve) => {
          const socket = net.connect(this.port, HOST);
          socket.once('data', (data) => {
            socket.destroy();
            resolve(data.toString('utf8').startsWith('INFO'));
          });
          socket.once('error', () => resolve(false));
        });
      },
      () => daemon.output(),
      50,
    );
  }

  output(): string {
    return this.daemon?.output() ?? '';
  }

  async stop(): Promise<void> {
    await this.daemon?.stop(10_000);
    this.temp.remove();
  }
}
