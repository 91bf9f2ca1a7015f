// BIRD 2 for bench/collector-daemon.mjs: the table as static routes (each with its real AS path,
// origin, MED and communities), BIRD under the watchdog of ./gobgp.mjs (killed when this process
// dies, even by SIGKILL), its control socket in the benchmark's temp dir, driven by birdc.
// - The BGP session to the collector is configured `disabled`: BIRD first loads the table into its
//   routing table, and `birdc enable collector` then starts the session, so that the measured rate
//   is the session's, not the configuration parser's.
// - The four KP /24s are static protocols of their own (kp0..kp3): `birdc disable kpN` withdraws
//   one, `birdc enable kpN` re-announces it.
// - eBGP on 127.0.0.x: `multihop;` (the collector's address is not on a directly connected network
//   of BIRD's), `strict bind` on BIRD's own address and port (never 0.0.0.0:179), no kernel
//   protocol. Same approach as test/live/bird.ts and templates/bird.conf (TS test code, not
//   importable from a plain node script).
// What BIRD's filter language cannot express is left out and counted: AS_SET segments (no way to
// build one in a filter; the sequences are kept), extended communities, AGGREGATOR, ATOMIC_AGGREGATE.
import { openSync, writeSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Daemon, run, waitFor } from './gobgp.mjs';

const ORIGIN = { IGP: 'ORIGIN_IGP', EGP: 'ORIGIN_EGP', INCOMPLETE: 'ORIGIN_INCOMPLETE' };
const NAME = /^[a-z][a-z0-9_]*$/;

/** The filter statements that give a static route the attributes of `route.attributes`. */
export function routeStatements(attributes, dropped) {
  const parts = [`bgp_origin = ${ORIGIN[attributes.origin] ?? 'ORIGIN_IGP'};`];
  const asns = [];
  for (const segment of attributes.asPath ?? []) {
    if (segment.kind === 'sequence') asns.push(...segment.asns);
    else if (dropped) dropped.asSet++;
  }
  // prepend() puts an AS in front: the path is built from its end.
  for (let i = asns.length - 1; i >= 0; i--) parts.push(`bgp_path.prepend(${asns[i]});`);
  if (attributes.med !== undefined) parts.push(`bgp_med = ${attributes.med};`);
  for (const c of attributes.communities ?? []) {
    const [high, low] = String(c).split(':');
    parts.push(`bgp_community.add((${Number(high)},${Number(low)}));`);
  }
  if (dropped) {
    if (attributes.extendedCommunities?.length > 0) dropped.extendedCommunities++;
    if (attributes.aggregator !== undefined) dropped.aggregator++;
    if (attributes.atomicAggregate === true) dropped.atomicAggregate++;
  }
  return parts.join(' ');
}

/**
 * Writes bird.conf to `path`: `groups` = { protocolName: routes } (one static protocol each), the
 * BGP protocol `collector` (disabled until enabled by birdc); the static protocols named in
 * `disabled` start disabled too. Returns { bytes, routes, dropped }.
 */
export function writeBirdConfig(path, { address, port, asn, collector, groups, disabled = [] }) {
  const fd = openSync(path, 'w');
  let bytes = 0;
  let pending = [];
  let pendingLength = 0;
  const put = (line) => {
    pending.push(line);
    pendingLength += line.length + 1;
    if (pendingLength > 1 << 20) flush();
  };
  const flush = () => {
    if (pending.length === 0) return;
    bytes += writeSync(fd, pending.join('\n') + '\n');
    pending = [];
    pendingLength = 0;
  };
  const dropped = { asSet: 0, extendedCommunities: 0, aggregator: 0, atomicAggregate: 0 };
  let count = 0;
  try {
    put(`# bench/collector-daemon.mjs: BIRD 2 peering with the cairn collector only.
log stderr { warning, error, fatal, bug };
router id ${address};
protocol device { }
`);
    for (const [name, routes] of Object.entries(groups)) {
      if (!NAME.test(name)) throw new Error(`bad BIRD protocol name ${name}`);
      put(`protocol static ${name} {\n${disabled.includes(name) ? '  disabled;\n' : ''}  ipv4;`);
      for (const route of routes) {
        if (route.v6) throw new Error(`IPv6 route ${route.prefix}: this configuration is IPv4 only`);
        put(`  route ${route.prefix} blackhole { ${routeStatements(route.attributes, dropped)} };`);
        count++;
      }
      put('}\n');
    }
    put(`protocol bgp collector {
  disabled;
  local ${address} port ${port} as ${asn};
  strict bind yes;
  neighbor ${collector.address} port ${collector.port} as ${collector.asn};
  multihop;
  connect delay time 1;
  connect retry time 1;
  error wait time 1, 4;
  ipv4 {
    import none;
    # BIRD sends MED to an eBGP neighbour only when the export filter sets it.
    export filter { if defined(bgp_med) then bgp_med = bgp_med; accept; };
  };
}`);
    flush();
  } finally {
    closeSync(fd);
  }
  return { bytes, routes: count, dropped };
}

export class Bird {
  /** Writes nothing: `config` is a file from writeBirdConfig. Starts BIRD, waits for its socket. */
  static async start({ bird = '/usr/sbin/bird', birdc = '/usr/sbin/birdc', dir, config }) {
    const socket = join(dir, 'bird.ctl');
    const daemon = new Daemon('bird', bird, ['-f', '-c', config, '-s', socket]);
    const b = new Bird(daemon, birdc, socket);
    await waitFor(
      'BIRD to answer on its control socket',
      600_000,
      async () => {
        if (!daemon.running) throw new Error(`bird exited (${daemon.exitStatus}):\n${daemon.log}`);
        try {
          return (await b.command('show status')).includes('Daemon is up and running');
        } catch {
          return false;
        }
      },
      50,
    );
    return b;
  }

  constructor(daemon, birdc, socket) {
    this.daemon = daemon;
    this.birdc = birdc;
    this.socket = socket;
  }

  /** One birdc command; resolves with its output. */
  command(command, timeoutMs = 60_000) {
    return run(this.birdc, ['-s', this.socket, ...command.split(' ')], timeoutMs);
  }

  /** Routes in BIRD's master table (`show route count`). */
  async routeCount() {
    const output = await this.command('show route count');
    const match = /(\d+) of (\d+) routes for (\d+) networks/.exec(output);
    if (match === null) throw new Error(`birdc show route count: unexpected output ${output}`);
    return Number(match[3]);
  }

  /** `show protocols all NAME`: the export count of the channel ("Routes: I imported, E exported"). */
  async exported(protocol) {
    const output = await this.command(`show protocols all ${protocol}`);
    const match = /Routes:\s+(\d+) imported, (?:\d+ filtered, )?(\d+) exported/.exec(output);
    return match === null ? Number.NaN : Number(match[2]);
  }

  /** Enables or disables a protocol; checks birdc's answer. */
  async set(protocol, enabled) {
    const verb = enabled ? 'enable' : 'disable';
    const output = await this.command(`${verb} ${protocol}`);
    if (!output.includes(`${protocol}: ${verb}d`))
      throw new Error(`birdc ${verb} ${protocol} answered: ${output}`);
  }

  /** Withdraws KP /24 number `index` (its static protocol kpN). */
  withdraw(index) {
    return this.set(`kp${index}`, false);
  }

  /** Re-announces KP /24 number `index`. */
  announce(index) {
    return this.set(`kp${index}`, true);
  }

  async version() {
    return /BIRD ([\d.]+)/.exec(await this.command('show status'))?.[0] ?? 'BIRD';
  }

  stop() {
    return this.daemon.stop();
  }
}

/** A TCP port nothing listens on at `host` right now (the kernel's choice), for BIRD's listener. */
export function freePort(host) {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
