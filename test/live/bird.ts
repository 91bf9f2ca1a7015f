/**
 * BIRD 2 for the live collector test: renders templates/bird.conf with the table as static
 * routes (one static protocol per group), runs `bird -f` with its control socket in the test's
 * temp dir, and drives it with birdc (disable a group = withdraw it, enable = re-announce).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Daemon, run, waitFor, type TempDir } from './harness.js';

/** A route as the daemon originates it: the prefix and the real AS path after the daemon's own AS. */
export interface LiveRoute {
  prefix: string;
  path: number[];
}

export interface SessionEnds {
  /** The daemon's loopback address (router id, source address, BIRD's listen address). */
  address: string;
  asn: number;
  collector: { address: string; port: number; asn: number };
}

const GROUP_NAME = /^[a-z][a-z0-9_]*$/;

/** Fills `{{KEY}}` placeholders; a placeholder without a value is an error, not an empty string. */
export function renderTemplate(name: string, values: Record<string, string | number>): string {
  const text = readFileSync(new URL(`./templates/${name}`, import.meta.url), 'utf8');
  return text.replace(/\{\{([A-Z_]+)\}\}/g, (_match, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`template ${name}: no value for {{${key}}}`);
    return String(value);
  });
}

/** One `protocol static` per group; each route gets origin IGP and its AS path. */
export function birdStaticProtocols(groups: Record<string, LiveRoute[]>): string {
  const out: string[] = [];
  for (const [name, routes] of Object.entries(groups)) {
    if (!GROUP_NAME.test(name)) throw new Error(`bad BIRD protocol name ${name}`);
    out.push(`protocol static ${name} {`, '  ipv4;');
    for (const route of routes) {
      // prepend() puts an AS in front, so the path is built from its end.
      const prepends = [...route.path]
        .reverse()
        .map((asn) => `bgp_path.prepend(${asn});`)
        .join(' ');
      out.push(`  route ${route.prefix} blackhole { bgp_origin = ORIGIN_IGP; ${prepends} };`);
    }
    out.push('}', '');
  }
  return out.join('\n');
}

export class Bird {
  readonly socket: string;

  private constructor(
    readonly daemon: Daemon,
    readonly birdc: string,
    socket: string,
    readonly config: string,
  ) {
    this.socket = socket;
  }

  /** Writes the configuration, starts BIRD and waits until its control socket answers. */
  static async start(
    binaries: { bird: string; birdc: string },
    dir: TempDir,
    ends: SessionEnds,
    listenPort: number,
    groups: Record<string, LiveRoute[]>,
  ): Promise<Bird> {
    const config = dir.file('bird.conf');
    writeFileSync(
      config,
      renderTemplate('bird.conf', {
        ROUTER_ID: ends.address,
        LOCAL_ADDRESS: ends.address,
        LOCAL_PORT: listenPort,
        LOCAL_ASN: ends.asn,
        COLLECTOR_ADDRESS: ends.collector.address,
        COLLECTOR_PORT: ends.collector.port,
        COLLECTOR_ASN: ends.collector.asn,
        STATIC_PROTOCOLS: birdStaticProtocols(groups),
      }),
    );
    const socket = dir.file('bird.ctl');
    const daemon = new Daemon('bird', binaries.bird, ['-f', '-c', config, '-s', socket]);
    const bird = new Bird(daemon, binaries.birdc, socket, config);
    await waitFor(
      'BIRD to answer on its control socket',
      20_000,
      async () => {
        if (!daemon.running) throw new Error(`bird exited (${daemon.exitStatus}):\n${daemon.output()}`);
        try {
          return (await bird.command('show status')).includes('Daemon is up and running');
        } catch {
          return false;
        }
      },
      () => daemon.output(),
      50,
    );
    return bird;
  }

  /** One birdc command; resolves with its output. */
  command(command: string): Promise<string> {
    return run(this.birdc, ['-s', this.socket, ...command.split(' ')]);
  }

  /** Disables (withdraws) or enables (re-announces) static protocols, and checks birdc's answer. */
  async setEnabled(groups: string[], enabled: boolean): Promise<void> {
    const verb = enabled ? 'enable' : 'disable';
    await Promise.all(
      groups.map(async (group) => {
        const output = await this.command(`${verb} ${group}`);
        if (!output.includes(`${group}: ${verb}d`)) {
          throw new Error(`birdc ${verb} ${group} answered: ${output}`);
        }
      }),
    );
  }

  /** What to print when something times out. */
  async diagnostics(): Promise<string> {
    let protocols: string;
    try {
      protocols = await this.command('show protocols all collector');
    } catch (error) {
      protocols = (error as Error).message;
    }
    return `--- birdc show protocols all collector\n${protocols}\n--- bird output\n${this.daemon.output().slice(-4000)}`;
  }

  stop(): Promise<void> {
    return this.daemon.stop();
  }
}
