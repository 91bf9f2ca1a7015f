/**
 * Process and network plumbing for the live-daemon tests: required binaries, free loopback
 * addresses and ports, temp dirs and daemons that are always cleaned up, bounded polling.
 *
 * Every daemon runs under a small `sh` watchdog whose stdin is a pipe from this process: when
 * the test process exits for any reason (even SIGKILL), the pipe closes and the watchdog kills
 * the daemon, so no BGP daemon outlives the test. Normal teardown closes the pipe too.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian packages providing each binary the live tests run. */
export const DEBIAN_PACKAGES: Record<string, string> = {
  bird: 'bird2',
  birdc: 'bird2',
  gobgpd: 'gobgpd',
  gobgp: 'gobgpd',
  bgpdump: 'bgpdump',
};

/** The full path of each binary, or an Error naming the apt-get command that installs the missing ones. */
export function requireBinaries(names: string[]): Record<string, string> {
  const found: Record<string, string> = {};
  const missing: string[] = [];
  for (const name of names) {
    // bird and birdc live in /usr/sbin, which a non-root PATH may lack.
    const result = spawnSync('sh', ['-c', `PATH="$PATH:/usr/sbin:/sbin" command -v ${name}`], {
      encoding: 'utf8',
    });
    const path = result.stdout.trim();
    if (result.status === 0 && path.length > 0) found[name] = path;
    else missing.push(name);
  }
  if (missing.length > 0) {
    const packages = [...new Set(missing.map((name) => DEBIAN_PACKAGES[name] ?? name))];
    throw new Error(
      `live daemon test needs ${missing.join(', ')}: install with ` +
        `\`apt-get install -y ${packages.join(' ')}\` (Debian/Ubuntu)`,
    );
  }
  return found;
}

// ----- cleanup that runs on normal teardown and on process exit -------------------------------

const exitSteps = new Set<() => void>();
let exitHookInstalled = false;

/** Registers a synchronous step for process exit; returns a function that unregisters it. */
function onProcessExit(step: () => void): () => void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const s of exitSteps) {
        try {
          s();
        } catch {
          // exit hooks must not throw; the next step still runs
        }
      }
    });
  }
  exitSteps.add(step);
  return () => exitSteps.delete(step);
}

/** A temporary directory removed by `remove()` or, failing that, at process exit. */
export class TempDir {
  readonly path: string;
  private readonly unregister: () => void;

  constructor(prefix: string) {
    this.path = mkdtempSync(join(tmpdir(), prefix));
    this.unregister = onProcessExit(() => rmSync(this.path, { recursive: true, force: true }));
  }

  file(name: string): string {
    return join(this.path, name);
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
    this.unregister();
  }
}

// ----- loopback addresses and ports ----------------------------------------------------------

function listenOnce(host: string, port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, host, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

/** A TCP port nothing listens on at `host` right now (the kernel's choice). */
export async function freePort(host: string): Promise<number> {
  const port = await listenOnce(host, 0);
  if (port === undefined) throw new Error(`cannot bind a TCP port on ${host}`);
  return port;
}

/**
 * `count` distinct addresses 127.0.0.x (x in 10..250, random so that concurrent runs rarely
 * meet), each checked to be bindable. Linux routes all of 127/8 to lo, so nothing is configured.
 */
export async function pickLoopbackAddresses(
  count: number,
  avoid: string[] = ['127.0.0.1'],
): Promise<string[]> {
  const chosen: string[] = [];
  for (let attempt = 0; chosen.length < count && attempt < 200; attempt++) {
    const address = `127.0.0.${10 + Math.floor(Math.random() * 241)}`;
    if (chosen.includes(address) || avoid.includes(address)) continue;
    if ((await listenOnce(address, 0)) !== undefined) chosen.push(address);
  }
  if (chosen.length < count) throw new Error(`cannot bind ${count} loopback addresses in 127.0.0.0/24`);
  return chosen;
}

// ----- daemons ------------------------------------------------------------------------------

/**
 * The watchdog: runs "$@" in the background, kills it (SIGTERM) when its own stdin reaches EOF
 * or when it gets SIGTERM, and exits with the daemon's status once the daemon has exited.
 */
const WATCHDOG = [
  'exec 3<&0',
  '"$@" </dev/null 3<&- &',
  'pid=$!',
  'echo "watchdog: daemon pid $pid" >&2',
  '( read _ <&3; kill -TERM $pid 2>/dev/null ) &',
  'watcher=$!',
  'exec 3<&-',
  "trap 'kill -TERM $pid 2>/dev/null' TERM INT HUP",
  'while :; do wait $pid; status=$?; kill -0 $pid 2>/dev/null || break; done',
  'kill $watcher 2>/dev/null',
  'exit $status',
].join('\n');

const MAX_LOG = 256 * 1024;

/** A daemon in the foreground under the watchdog, with its stdout and stderr kept (bounded). */
export class Daemon {
  private readonly child: ChildProcess;
  private log = '';
  /** Resolves with the exit code (or signal name) when the watchdog, hence the daemon, has exited. */
  readonly exited: Promise<string>;
  exitStatus: string | undefined;
  /** The daemon's own pid, as the watchdog reports it. */
  daemonPid: number | undefined;
  private readonly unregister: () => void;

  constructor(
    readonly name: string,
    command: string,
    args: string[],
  ) {
    this.child = spawn('sh', ['-c', WATCHDOG, 'watchdog', command, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer): void => {
      this.log += chunk.toString('utf8');
      this.daemonPid ??= Number(/watchdog: daemon pid (\d+)/.exec(this.log)?.[1]) || undefined;
      if (this.log.length > MAX_LOG) this.log = this.log.slice(-MAX_LOG / 2);
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    this.child.stdin!.on('error', () => undefined); // EPIPE once the watchdog is gone
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitStatus = code !== null ? `exit ${code}` : `signal ${signal}`;
        resolve(this.exitStatus);
      });
    });
    this.unregister = onProcessExit(() => this.child.kill('SIGTERM'));
  }

  get running(): boolean {
    return this.exitStatus === undefined;
  }

  /** The daemon's output so far (its last 128-256 KiB). */
  output(): string {
    return this.log;
  }

  /** Stops the daemon (SIGTERM, SIGKILL after `graceMs`) and waits until it has exited. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.running) {
      this.child.stdin!.end();
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => {
        // The daemon ignored SIGTERM: kill it by the pid the watchdog reported, then the watchdog.
        if (this.daemonPid !== undefined) {
          try {
            process.kill(this.daemonPid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
        this.child.kill('SIGKILL');
      }, graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    this.unregister();
  }
}

// ----- commands and polling -----------------------------------------------------------------

/** Runs a command (no shell); resolves with stdout, rejects with its stderr in the message. */
export function run(command: string, args: string[], timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stderr}${stdout}`));
        } else resolve(stdout);
      },
    );
  });
}

/**
 * Polls `probe` every `intervalMs` until it returns something other than undefined/false;
 * after `timeoutMs` fails with `what` and the `diagnostics()` text (daemon logs, states...).
 */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  diagnostics: () => string | Promise<string> = () => '',
  intervalMs = 10,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}\n${await diagnostics()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
