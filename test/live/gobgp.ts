/**
 * GoBGP for the live collector test: renders templates/gobgpd.toml, runs `gobgpd` with its gRPC
 * API on a unix socket in the test's temp dir (no TCP listener: `port = -1`, no pprof), loads
 * the table with `gobgp mrt inject global` and withdraws / re-announces routes with
 * `gobgp global rib del/add`.
 */
import { writeFileSync } from 'node:fs';
import { renderTemplate, type LiveRoute, type SessionEnds } from './bird.js';
import { Daemon, run, waitFor, type TempDir } from './harness.js';
import { encodeTableDumpV2 } from './table-dump.js';

/** Where the padding routes of `inject` live (RFC 2544 benchmarking space) and how many there are. */
const PADDING_PREFIX = '198.18.0.0/15';
const PADDING_ROUTES = 6000;

/** 198.18.0.0/28, 198.18.0.16/28, ...: routes the export policy keeps from the collector. */
function paddingRoutes(): LiveRoute[] {
  const out: LiveRoute[] = [];
  for (let i = 0; i < PADDING_ROUTES; i++) {
    const n = (198 << 24) + (18 << 16) + i * 16;
    out.push({
      prefix: `${n >>> 24}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}/28`,
      path: [64511],
    });
  }
  return out;
}

export function isInjectPadding(prefix: string): boolean {
  return prefix.startsWith('198.18.') || prefix.startsWith('198.19.');
}

export class GoBgp {
  private constructor(
    readonly daemon: Daemon,
    readonly gobgp: string,
    readonly target: string,
    private readonly dir: TempDir,
  ) {}

  static async start(
    binaries: { gobgpd: string; gobgp: string },
    dir: TempDir,
    ends: SessionEnds,
  ): Promise<GoBgp> {
    const config = dir.file('gobgpd.toml');
    writeFileSync(
      config,
      renderTemplate('gobgpd.toml', {
        ROUTER_ID: ends.address,
        LOCAL_ADDRESS: ends.address,
        LOCAL_ASN: ends.asn,
        COLLECTOR_ADDRESS: ends.collector.address,
        COLLECTOR_PORT: ends.collector.port,
        COLLECTOR_ASN: ends.collector.asn,
        PADDING_PREFIX,
        PADDING_LENGTHS: '15..32',
      }),
    );
    const target = `unix://${dir.file('gobgp.sock')}`;
    const daemon = new Daemon('gobgpd', binaries.gobgpd, [
      '-f',
      config,
      '-t',
      'toml',
      '--api-hosts',
      target,
      '--pprof-disable',
      '--log-plain',
    ]);
    const gobgp = new GoBgp(daemon, binaries.gobgp, target, dir);
    await waitFor(
      'gobgpd to answer on its API socket',
      20_000,
      async () => {
        if (!daemon.running) throw new Error(`gobgpd exited (${daemon.exitStatus}):\n${daemon.output()}`);
        try {
          return (await gobgp.cli(['global'])).includes('AS:');
        } catch {
          return false;
        }
      },
      () => daemon.output(),
      50,
    );
    return gobgp;
  }

  /** One gobgp CLI command against this daemon; resolves with its output. */
  cli(args: string[]): Promise<string> {
    return run(this.gobgp, ['--target', this.target, ...args]);
  }

  /**
   * Loads routes into the global RIB with `gobgp mrt inject global` (one process instead of one
   * per route), and checks that every one got in. That command (3.10) exits before its gRPC
   * stream has been consumed and loses the file's last routes, so the file carries padding
   * routes after the real ones (the export policy keeps them from the collector); routes still
   * missing once the RIB has stopped growing are injected again (bounded attempts).
   * `gobgp global rib del` does not find injected paths ("No matching path for withdraw"), so
   * routes the test withdraws later must be added with `announce` instead.
   */
  async inject(routes: LiveRoute[], nextHop: string): Promise<void> {
    let missing = routes;
    for (let attempt = 1; missing.length > 0; attempt++) {
      if (attempt > 5) {
        throw new Error(`gobgp mrt inject: ${missing.length} routes still missing after 4 attempts`);
      }
      const file = this.dir.file(`gobgp-table-${attempt}.mrt`);
      writeFileSync(
        file,
        encodeTableDumpV2([...missing, ...paddingRoutes()], { address: nextHop, asn: 64511 }),
      );
      await this.cli(['mrt', 'inject', 'global', file]);
      // Until the RIB stops growing: three equal counts 100 ms apart.
      let last = -1;
      let stable = 0;
      await waitFor(
        'GoBGP to finish the injection',
        30_000,
        async () => {
          const size = await this.ribSize();
          stable = size === last ? stable + 1 : 0;
          last = size;
          return stable >= 2;
        },
        () => this.diagnostics(),
        100,
      );
      const rib = await this.ribPrefixes();
      missing = missing.filter((route) => !rib.has(route.prefix));
    }
  }

  /** The prefixes in the global RIB, padding left out. */
  async ribPrefixes(): Promise<Set<string>> {
    const rib = JSON.parse(await this.cli(['global', 'rib', '-a', 'ipv4', '-j'])) as Record<string, unknown>;
    return new Set(Object.keys(rib).filter((prefix) => !isInjectPadding(prefix)));
  }

  /** Number of destinations in the global RIB (padding included). */
  async ribSize(): Promise<number> {
    const output = await this.cli(['global', 'rib', 'summary', '-a', 'ipv4']);
    const match = /Destination: (\d+)/.exec(output);
    if (match === null) throw new Error(`gobgp global rib summary: unexpected output ${output}`);
    return Number(match[1]);
  }

  /** Withdraws routes (`global rib del`), in parallel. */
  async withdraw(prefixes: string[]): Promise<void> {
    await Promise.all(prefixes.map((prefix) => this.cli(['global', 'rib', '-a', 'ipv4', 'del', prefix])));
  }

  /** Announces routes (`global rib add` with origin IGP and the AS path), in parallel. */
  async announce(routes: LiveRoute[]): Promise<void> {
    await Promise.all(
      routes.map((route) =>
        this.cli([
          'global',
          'rib',
          '-a',
          'ipv4',
          'add',
          route.prefix,
          'origin',
          'igp',
          'aspath',
          route.path.join(' '),
        ]),
      ),
    );
  }

  async diagnostics(): Promise<string> {
    let neighbor: string;
    try {
      neighbor = await this.cli(['neighbor']);
    } catch (error) {
      neighbor = (error as Error).message;
    }
    return `--- gobgp neighbor\n${neighbor}\n--- gobgpd output\n${this.daemon.output().slice(-4000)}`;
  }

  stop(): Promise<void> {
    return this.daemon.stop();
  }
}
