/**
 * The `--store` URL of a ClickHouse cluster: `clickhouse://host:port[,host:port...]/database`,
 * every node by its HTTP port, optionally `?cluster=NAME` (the `remote_servers` entry, default
 * `cairn`).
 */
import { CairnError } from '../../errors/index.js';

export interface ClusterUrl {
  nodes: Array<{ host: string; port: number }>;
  database: string;
  cluster: string;
}

/** Whether `location` names a ClickHouse cluster rather than a file. */
export const isClusterUrl = (location: string): boolean => /^clickhouse:\/\//i.test(location);

/** Parses a cluster URL; STORE_URL_INVALID names what is wrong. */
export function parseClusterUrl(url: string): ClusterUrl {
  const invalid = (why: string): CairnError =>
    new CairnError('STORE_URL_INVALID', `${url}: ${why}`, { file: url, field: 'store' });
  const match = /^clickhouse:\/\/([^/?#]+)\/([^/?#]+)(?:\?([^#]*))?$/i.exec(url);
  if (match === null) throw invalid('expected clickhouse://host:port[,host:port...]/database');
  const nodes = match[1].split(',').map((part) => {
    const hostPort = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(part);
    if (hostPort === null) throw invalid(`node ${JSON.stringify(part)} is not host:port`);
    const port = Number(hostPort[2]);
    if (port < 1 || port > 65535) throw invalid(`port ${port} is out of range`);
    return { host: hostPort[1], port };
  });
  const database = decodeURIComponent(match[2]);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database))
    throw invalid(`database ${JSON.stringify(database)} must be letters, digits and _`);
  const params = new URLSearchParams(match[3] ?? '');
  const cluster = params.get('cluster') ?? 'cairn';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(cluster))
    throw invalid(`cluster ${JSON.stringify(cluster)} must be letters, digits and _`);
  for (const key of params.keys()) if (key !== 'cluster') throw invalid(`unknown parameter ${key}`);
  return { nodes, database, cluster };
}
