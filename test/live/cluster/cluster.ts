/**
 * A ClickHouse cluster of N single-node shards on 127.0.0.1, for the cluster store's tests: each
 * server gets its own folder, free HTTP and native ports, and a config naming every server as a
 * shard of the cluster `cairn` (remote_servers). Servers run under the live harness's watchdog
 * (test/live/harness.ts): stopped in teardown and killed on process exit, even after a failure.
 *
 * Debian's clickhouse-server 18.16 runs as root as well as unprivileged (checked: it starts as
 * root with this config), so no user switch is needed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Daemon, TempDir, freePort, requireBinaries, waitFor } from '../harness.js';

const HOST = '127.0.0.1';

interface Server {
  httpPort: number;
  tcpPort: number;
  dir: string;
  config: string;
  daemon?: Daemon;
}

function configXml(server: Server, all: readonly Server[]): string {
  const shards = all
    .map((s) => `      <shard><replica><host>${HOST}</host><port>${s.tcpPort}</port></replica></shard>`)
    .join('\n');
  return `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><console>1</console></logger>
  <http_port>${server.httpPort}</http_port>
  <tcp_port>${server.tcpPort}</tcp_port>
  <listen_host>${HOST}</listen_host>
  <path>${server.dir}/data/</path>
  <tmp_path>${server.dir}/tmp/</tmp_path>
  <user_files_path>${server.dir}/user_files/</user_files_path>
  <format_schema_path>${server.dir}/format_schemas/</format_schema_path>
  <mark_cache_size>67108864</mark_cache_size>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
  <max_concurrent_queries>50</max_concurrent_queries>
  <users_config>${server.dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <remote_servers>
    <cairn>
${shards}
    </cairn>
  </remote_servers>
</yandex>
`;
}

const USERS_XML = `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>1000000000</max_memory_usage><connect_timeout_with_failover_ms>200</connect_timeout_with_failover_ms></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`;

export class ClickHouseCluster {
  private databases = 0;

  private constructor(
    private readonly binary: string,
    private readonly temp: TempDir,
    readonly servers: Server[],
  ) {}

  /** Starts `shards` servers and waits until each answers /ping; fails naming a missing binary. */
  static async start(shards = 2): Promise<ClickHouseCluster> {
    const { 'clickhouse-server': binary } = requireBinaries(['clickhouse-server']);
    const temp = new TempDir('cairn-clickhouse-');
    const servers: Server[] = [];
    for (let i = 0; i < shards; i++) {
      const dir = temp.file(`shard${i + 1}`);
      mkdirSync(dir, { recursive: true });
      servers.push({
        httpPort: await freePort(HOST),
        tcpPort: await freePort(HOST),
        dir,
        config: join(dir, 'config.xml'),
      });
    }
    for (const server of servers) {
      writeFileSync(server.config, configXml(server, servers));
      writeFileSync(join(server.dir, 'users.xml'), USERS_XML);
    }
    const cluster = new ClickHouseCluster(binary, temp, servers);
    try {
      for (let i = 0; i < servers.length; i++) await cluster.startShard(i);
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** The store URL of a database on this cluster (every node by its HTTP port). */
  url(database: string): string {
    return `clickhouse://${this.servers.map((s) => `${HOST}:${s.httpPort}`).join(',')}/${database}`;
  }

  /** A store URL for a database no test has used. */
  freshUrl(prefix = 'cairn'): string {
    return this.url(`${prefix}_${process.pid}_${++this.databases}`);
  }

  async startShard(index: number): Promise<void> {
    const server = this.servers[index];
    if (server.daemon?.running === true) return;
    server.daemon = new Daemon(`clickhouse shard ${index + 1}`, this.binary, [
      `--config-file=${server.config}`,
    ]);
    const daemon = server.daemon;
    await waitFor(
      `clickhouse-server shard ${index + 1} to answer /ping on ${HOST}:${server.httpPort}`,
      60_000,
      async () => {
        if (!daemon.running)
          throw new Error(`clickhouse-server exited (${daemon.exitStatus}):\n${daemon.output()}`);
        try {
          const response = await fetch(`http://${HOST}:${server.httpPort}/ping`);
          return response.ok && (await response.text()).startsWith('Ok');
        } catch {
          return false;
        }
      },
      () => daemon.output(),
      50,
    );
  }

  /** Stops one shard's server and waits until it has exited. */
  async stopShard(index: number): Promise<void> {
    await this.servers[index].daemon?.stop(20_000);
  }

  /** Stops every server and removes the folders. */
  async stop(): Promise<void> {
    for (let i = 0; i < this.servers.length; i++) await this.stopShard(i).catch(() => undefined);
    this.temp.remove();
  }
}
