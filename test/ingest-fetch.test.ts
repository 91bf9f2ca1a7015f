// `cairn ingest --fetch` in process against a loopback server serving real RIS update files
// (the bundled rrc06 and rrc15 files) under the RIS layout: the fetched files are ingested in
// time order with the hashes of the files served, a second run finds them cached and stored, a
// 404 is reported with exit code 2 while the rest is ingested, and bad options exit 1.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestResult, StoreWorkspace } from '../src/app/index.js';
import { captureIo } from '../src/cli/io.js';
import { runCli } from '../src/cli/program.js';
import { startArchiveServer, type ArchiveServer } from './fixtures/archive-server.js';

const data = (rel: string): string => fileURLToPath(new URL(`../data/${rel}`, import.meta.url));
const RRC06 = data('mrt/libbgpstream/ris.rrc06.updates.1427846400.gz');
const RRC15 = data('mrt/bgpkit/ripe/rrc15/2010.02/updates.20100227.1600.gz');
const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

let server: ArchiveServer;
let dir: string;
let db: string;

beforeAll(async () => {
  server = await startArchiveServer(
    new Map([
      ['/rrc06/2015.04/updates.20150401.0000.gz', RRC06],
      ['/rrc15/2010.02/updates.20100227.1600.gz', RRC15],
    ]),
  );
  dir = await mkdtemp(path.join(os.tmpdir(), 'cairn-ingest-fetch-'));
  db = path.join(dir, 'store.duckdb');
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const fetchArgs = (collector: string, from: string, to: string): string[] => [
  'ingest',
  '--fetch',
  '--source',
  'ris',
  '--collector',
  collector,
  '--from',
  from,
  '--to',
  to,
  '--kind',
  'updates',
  '--dir',
  path.join(dir, 'mirror'),
  '--base-url',
  server.baseUrl,
  '--db',
  db,
  '--outage-country',
  'KP',
];
const rrc06 = (): string[] => fetchArgs('rrc06', '2015-04-01T00:00Z', '2015-04-01T00:05Z');

describe('cairn ingest --fetch', () => {
  it('fetches the archive files and ingests them; --json prints the ingest result', async () => {
    const io = captureIo();
    expect(await runCli([...rrc06(), '--json'], io), io.err()).toBe(0);
    const result = IngestResult.parse(JSON.parse(io.out()));
    expect(result.files).toHaveLength(1);
    expect(result.files[0]).toMatchObject({ kind: 'mrt', status: 'ingested', hash: sha(RRC06) });
    expect(result.files[0].path).toBe(
      path.join(dir, 'mirror', 'ris', 'rrc06', '2015.04', 'updates.20150401.0000.gz'),
    );
    expect(result.elements).toBeGreaterThan(0);
    expect(io.err()).toMatch(/^fetched 1 files from ris: 1 downloaded, 0 cached, 0 missing, 0 failed/);
    const held = await StoreWorkspace.open(db);
    try {
      const status = await held.ingestStatus();
      expect(status.files.map((f) => [f.name, f.hash])).toEqual([['updates.20150401.0000.gz', sha(RRC06)]]);
      expect(status.files[0].records).toBe(result.elements);
    } finally {
      await held.close();
    }
  });

  it('a second run finds the file cached and already stored', async () => {
    const io = captureIo();
    expect(await runCli(rrc06(), io), io.err()).toBe(0);
    expect(io.out()).toMatch(/^fetched 1 files from ris: 0 downloaded, 1 cached, 0 missing, 0 failed/);
    expect(io.out()).toMatch(/0 files ingested, 1 already there/);
    expect(server.requestsFor('/rrc06/2015.04/updates.20150401.0000.gz')).toHaveLength(1);
  });

  it('a missing file is reported with exit code 2; the file fetched is ingested', async () => {
    const io = captureIo();
    const code = await runCli([...fetchArgs('rrc15', '2010-02-27T16:00', '2010-02-27T16:10'), '--json'], io);
    expect(code).toBe(2);
    const result = IngestResult.parse(JSON.parse(io.out()));
    expect(result.files.map((f) => [path.basename(f.path), f.status, f.hash])).toEqual([
      ['updates.20100227.1600.gz', 'ingested', sha(RRC15)],
    ]);
    expect(io.err()).toContain(
      `cairn: FETCH_NOT_FOUND: HTTP 404 Not Found (${server.baseUrl}/rrc15/2010.02/updates.20100227.1605.gz)\n`,
    );
  });

  it('bad options exit 1 with one line naming the problem, before any request', async () => {
    const before = server.requests.length;
    const cases: [string[], RegExp][] = [
      [['ingest', '--fetch', '--db', db], /CLI_BAD_OPTION: --fetch needs --source ris or routeviews/],
      [
        ['ingest', '--source', 'ris', '--mrt', RRC06, '--db', db],
        /CLI_BAD_OPTION: --source is read with --fetch/,
      ],
      [[...rrc06(), '--kind', 'bviews'], /CLI_BAD_OPTION: --kind takes ribs, updates or both/],
      [
        [...rrc06(), '--concurrency', '0'],
        /CLI_BAD_OPTION: --concurrency must be a whole number from 1 to 64/,
      ],
      [[...rrc06(), '--from', 'last tuesday'], /FETCH_BAD_OPTION: --from "last tuesday" is not an ISO 8601/],
    ];
    for (const [args, message] of cases) {
      const io = captureIo();
      expect(await runCli(args, io), args.join(' ')).toBe(1);
      expect(io.err()).toMatch(message);
      expect(io.out()).toBe('');
    }
    expect(server.requests.length).toBe(before);
  });
});
