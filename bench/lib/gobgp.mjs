// GoBGP for bench/collector-daemon.mjs: gobgpd under a watchdog (killed when this process dies,
// even by SIGKILL), its gRPC API on a unix socket in the benchmark's temp dir, no BGP listener
// (port -1), one neighbor (the collector) reached from a loopback address of its own; the `gobgp`
// CLI for `mrt inject global`, `global rib add/del` and the RIB size.
// Same approach as test/live/harness.ts and gobgp.ts (which are TS test code, not importable from
// a plain node script); see test/live/README.md "Known daemon quirks".
import { execFile, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

export const now = () => performance.timeOrigin + performance.now();

// ----- exit hooks ----------------------------------------------------------------------------

const exitSteps = new Set();
let hooked = false;
/** A synchronous step run at process exit (normal or not); returns its unregister function. */
export function onExit(step) {
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const s of exitSteps) {
        try {
          s();
        } catch {
          // the next step still runs
        }
      }
    });
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'])
      process.once(signal, () => {
        process.stderr.write(`collector-daemon: ${signal}, cleaning up\n`);
        process.exit(130);
      });
  }
  exitSteps.add(step);
  return () => exitSteps.delete(step);
}

// ----- loopback addresses ----------------------------------------------------------------------

function bindable(host) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(0, host, () => server.close(() => resolve(true)));
  });
}

/** `count` distinct bindable 127.0.0.x (x random in 10..250, never 127.0.0.1). */
export async function pickLoopbackAddresses(count) {
  const chosen = [];
  for (let attempt = 0; chosen.length < count && attempt < 200; attempt++) {
    const address = `127.0.0.${10 + Math.floor(Math.random() * 241)}`;
    if (!chosen.includes(address) && (await bindable(address))) chosen.push(address);
  }
  if (chosen.length < count) throw new Error(`cannot bind ${count} loopback addresses`);
  return chosen;
}

/** CPU seconds (user + system) of a running process, from /proc/PID/stat; NaN when gone. */
export function procCpuSeconds(pid) {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return Number.NaN;
  }
}

// ----- a daemon under a watchdog -------------------------------------------------------------

/** Runs "$@" in the background; kills it when stdin reaches EOF or on SIGTERM; exits with it. */
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

export class Daemon {
  constructor(name, command, args) {
    this.name = name;
    this.log = '';
    this.exitStatus = undefined;
    this.pid = undefined;
    this.child = spawn('sh', ['-c', WATCHDOG, 'watchdog', command, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const keep = (chunk) => {
      this.log += chunk.toString('utf8');
      this.pid ??= Number(/watchdog: daemon pid (\d+)/.exec(this.log)?.[1]) || undefined;
      if (this.log.length > 256 * 1024) this.log = this.log.slice(-128 * 1024);
    };
    this.child.stdout.on('data', keep);
    this.child.stderr.on('data', keep);
    this.child.stdin.on('error', () => undefined);
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        this.exitStatus = code !== null ? `exit ${code}` : `signal ${signal}`;
        resolve(this.exitStatus);
      }),
    );
    this.unregister = onExit(() => this.child.kill('SIGTERM'));
  }

  get running() {
    return this.exitStatus === undefined;
  }

  /** CPU seconds (user + system) the daemon has used, from /proc/PID/stat. */
  cpuSeconds() {
    return procCpuSeconds(this.pid);
  }

  /** Resident set size now and its peak (VmHWM), MiB. */
  memory() {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const kib = (name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
      return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
    } catch {
      return { rssMiB: Number.NaN, peakMiB: Number.NaN };
    }
  }

  async stop(graceMs = 5000) {
    if (this.running) {
      this.child.stdin.end();
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (this.pid !== undefined) {
          try {
            process.kill(this.pid, 'SIGKILL');
          } catch {
            // gone
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

/** Runs a command without a shell; resolves with stdout. */
export function run(command, args, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error)
          reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stderr}${stdout}`));
        else resolve(stdout);
      },
    );
  });
}

export async function waitFor(what, timeoutMs, probe, intervalMs = 20) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

// ----- GoBGP ---------------------------------------------------------------------------------

function config({ address, asn, collector, paddingPrefix }) {
  return `# bench/collector-daemon.mjs: GoBGP peering with the cairn collector only, no listener.
[global.config]
  as = ${asn}
  router-id = "${address}"
  port = -1

[[neighbors]]
  [neighbors.config]
    neighbor-address = "${collector.address}"
    peer-as = ${collector.asn}
  [neighbors.transport.config]
    local-address = "${address}"
    remote-port = ${collector.port}
  [neighbors.timers.config]
    connect-retry = 1

# Padding routes at the end of an injected file (gobgp mrt inject loses the file's last routes)
# are kept from the collector.
[[defined-sets.prefix-sets]]
  prefix-set-name = "inject-padding"
  [[defined-sets.prefix-sets.prefix-list]]
    ip-prefix = "${paddingPrefix}"
    masklength-range = "15..32"

[[policy-definitions]]
  name = "no-inject-padding"
  [[policy-definitions.statements]]
    name = "reject-padding"
    [policy-definitions.statements.conditions.match-prefix-set]
      prefix-set = "inject-padding"
    [policy-definitions.statements.actions]
      route-disposition = "reject-route"

[global.apply-policy.config]
  export-policy-list = ["no-inject-padding"]
  default-export-policy = "accept-route"
`;
}

export class GoBgp {
  /** Starts gobgpd and waits for its API. */
  static async start({
    gobgpd = '/usr/bin/gobgpd',
    gobgp = '/usr/bin/gobgp',
    dir,
    address,
    asn,
    collector,
    paddingPrefix,
  }) {
    const file = join(dir, 'gobgpd.toml');
    writeFileSync(file, config({ address, asn, collector, paddingPrefix }));
    const target = `unix://${join(dir, 'gobgp.sock')}`;
    const daemon = new Daemon('gobgpd', gobgpd, [
      '-f',
      file,
      '-t',
      'toml',
      '--api-hosts',
      target,
      '--pprof-disable',
      '--log-plain',
      '--log-level',
      'warn',
    ]);
    const g = new GoBgp(daemon, gobgp, target);
    await waitFor(
      'gobgpd to answer on its API socket',
      20_000,
      async () => {
        if (!daemon.running) throw new Error(`gobgpd exited (${daemon.exitStatus}):\n${daemon.log}`);
        try {
          return (await g.cli(['global'])).includes('AS:');
        } catch {
          return false;
        }
      },
      50,
    );
    return g;
  }

  constructor(daemon, gobgp, target) {
    this.daemon = daemon;
    this.gobgp = gobgp;
    this.target = target;
  }

  cli(args, timeoutMs) {
    return run(this.gobgp, ['--target', this.target, ...args], timeoutMs);
  }

  /**
   * Starts `gobgp mrt inject global FILE`; returns { done (resolves when it has exited), cpuSeconds()
   * (its CPU so far, read from /proc while it runs, the last reading after) }.
   */
  inject(file) {
    const child = execFile(this.gobgp, ['--target', this.target, 'mrt', 'inject', 'global', file], {
      encoding: 'utf8',
      timeout: 600_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    const unregister = onExit(() => child.kill('SIGTERM'));
    child.once('exit', () => unregister());
    let last = 0;
    const cpuSeconds = () => {
      const v = procCpuSeconds(child.pid);
      if (!Number.isNaN(v)) last = v;
      return last;
    };
    const done = new Promise((resolve, reject) => {
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.once('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`gobgp mrt inject exited with ${code}: ${stderr}`)),
      );
    });
    return { done, cpuSeconds };
  }

  /** Destinations in the global RIB (padding included). */
  async ribSize(family = 'ipv4') {
    const output = await this.cli(['global', 'rib', 'summary', '-a', family]);
    const match = /Destination: (\d+)/.exec(output);
    if (match === null) throw new Error(`gobgp global rib summary: unexpected output ${output}`);
    return Number(match[1]);
  }

  announce(prefix, path) {
    return this.cli([
      'global',
      'rib',
      '-a',
      'ipv4',
      'add',
      prefix,
      'origin',
      'igp',
      'aspath',
      path.join(' '),
    ]);
  }

  withdraw(prefix) {
    return this.cli(['global', 'rib', '-a', 'ipv4', 'del', prefix]);
  }

  async neighborState() {
    try {
      return await this.cli(['neighbor']);
    } catch (error) {
      return error.message;
    }
  }

  stop() {
    return this.daemon.stop();
  }
}
