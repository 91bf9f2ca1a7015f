/**
 * `cairn serve` over a store, as a user runs it: the built binary in a child process on
 * 127.0.0.1 port 0, its store in a temporary folder (given with `--db` to the first start, found in
 * $CAIRN_DB by the second, never the user's). Each start listens before it builds the
 * server (/health says `starting: ...`, the API answers 503). The first start ingests
 * the bundled data behind it (a line on stderr says so; /health says loading, the API answers 503
 * API_NOT_READY, then ready) and serves the store's answers; the second start finds every file
 * there, ingests nothing and, once built, answers the KP country page from the kept store.
 *
 * The write token lives in the temporary $CAIRN_HOME: the first start prints the address and the
 * token, the second prints where the token is but not the token, and writes need it. (One pair of
 * starts checks both: each first start ingests the bundled data, which is most of the file's time.)
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HistoryDependencyResult, IngestStatusResult } from '../../src/app/index.js';
import { envelope } from '../../src/server/index.js';
import {
  health,
  killServes,
  requireBuiltCli,
  startServe,
  waitBuilt,
  waitOutput,
  waitReady,
} from './serve-process.js';

let home: string;

beforeAll(async () => {
  requireBuiltCli();
  home = await mkdtemp(join(tmpdir(), 'cairn-store-serve-'));
});
afterAll(async () => {
  killServes();
  await rm(home, { recursive: true, force: true });
});

const db = () => join(home, 'store', 'cairn.duckdb');
/** The first start is given the store with --db; the second finds it in $CAIRN_DB, as without --db. */
const serve = () => startServe(['--db', db()], { CAIRN_HOME: home });
const serveFromEnvironment = () => startServe([], { CAIRN_HOME: home, CAIRN_DB: db() });

async function status(url: string): Promise<IngestStatusResult> {
  const answer = await fetch(`${url}/api/v1/ingest/status?limit=1000`);
  expect(answer.status).toBe(200);
  return envelope(IngestStatusResult).parse(await answer.json()).data;
}

it('ingests the bundled data on the first start only, and serves the store; prints the token on the first start only, writes need it', async () => {
  const first = await serve();
  const tokenFile = join(home, 'api-token');
  const token = (await readFile(tokenFile, 'utf8')).trim();
  expect(first.out()).toContain(token);
  // The address comes first (the server is built behind it): the line follows once the store is checked.
  await waitOutput(first.err, /^cairn: first start: ingesting the bundled data into the store/m);
  expect(first.err()).toMatch(
    /^cairn: first start: ingesting the bundled data into the store \(\d+ files, once\)$/m,
  );
  // Until the server is built, /health says it is starting; then the ingest is its start-up work.
  expect((await waitBuilt(first.url)).startup?.label).toBe('ingesting the bundled data');
  // Asked before /health: if /health still says loading, the page was asked while loading too.
  const early = await fetch(`${first.url}/api/v1/countries/KP`);
  const loading = await health(first.url);
  expect(loading.ready).toBe(false);
  expect(loading.startup).toMatchObject({ label: 'ingesting the bundled data', state: 'loading' });
  expect(loading.startup?.total).toBeGreaterThan(0);
  expect(early.status).toBe(503);
  // While loading, each answer closes its connection, so no poller reuses a socket the server drops.
  expect(early.headers.get('connection')).toBe('close');
  const problem = (await early.json()) as { code: string; message: string };
  expect(problem.code).toBe('API_NOT_READY');
  expect(problem.message).toMatch(
    /^ingesting the bundled data \(\d+ of (\d+|\?) (files|bytes|items)\); ask again/,
  );
  const seen = await waitReady(first.url);
  expect(seen.at(-1)?.startup?.state).toBe('ready');
  expect(first.err()).toMatch(
    /^cairn: ingested \d+ files \([\d,]+ elements\) into .*cairn\.duckdb in [\d.]+ s$/m,
  );
  // Once ready, the first start answers the country page over what it ingested.
  const kpFirst = (await (await fetch(`${first.url}/api/v1/countries/KP`)).json()) as {
    data: { upstreams: Array<{ asn: number }> };
  };
  expect(kpFirst.data.upstreams.map((u) => u.asn)).toEqual([4837]);
  const held = await status(first.url);
  expect(held.files.map((f) => f.name)).toContain('updates.et-header.2015.gz');
  expect(held.files.map((f) => f.name)).toContain('delegated-apnic-20141009.gz');
  expect(held.totals.byKind.intel.files).toBeGreaterThan(30);
  const dependency = await fetch(`${first.url}/api/v1/countries/KP/dependency/history`);
  const kp = envelope(HistoryDependencyResult).parse(await dependency.json()).data;
  expect(kp.snapshots.at(-1)?.upstreams.map((u) => u.asn)).toEqual([4837]);
  first.child.kill('SIGTERM');
  expect(await first.exited).toBe(0);

  const second = await serveFromEnvironment();
  expect(second.out()).not.toContain(token);
  expect(second.out()).toContain(`write token in ${tokenFile}`);
  // Up over the kept store: once built, no start-up work, and the country page answers without re-ingesting.
  expect((await waitBuilt(second.url)).startup).toBeNull();
  expect(second.err()).not.toContain('ingesting');
  const kpPage = await fetch(`${second.url}/api/v1/countries/KP`);
  expect(kpPage.status).toBe(200);
  const page = (await kpPage.json()) as { data: { upstreams: Array<{ asn: number }> } };
  expect(page.data.upstreams.map((u) => u.asn)).toEqual([4837]);
  // The same files, ingested when the first start ingested them.
  expect(await status(second.url)).toEqual({ ...held, storeBytes: (await status(second.url)).storeBytes });
  // Writes need the token (asked last: a rating edit is kept in the store).
  const url = `${second.url}/api/v1/ach/cases/sony-pictures-2014/ratings/E01/H1`;
  const body = JSON.stringify({ rating: 'N' });
  const headers = { 'content-type': 'application/json' };
  expect((await fetch(url, { method: 'PUT', body, headers })).status).toBe(401);
  const allowed = await fetch(url, {
    method: 'PUT',
    body,
    headers: { ...headers, authorization: `Bearer ${token}` },
  });
  expect(allowed.status).toBe(200);
  second.child.kill('SIGTERM');
  expect(await second.exited).toBe(0);
}, 600_000);
