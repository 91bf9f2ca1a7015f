/**
 * `cairn serve` as a user runs it: the built binary in a child process on 127.0.0.1 port 0 with a
 * token file in a temporary $CAIRN_HOME. The first start prints the address and the token, the
 * API answers on it, a second start prints where the token is but not the token.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { killServes, requireBuiltCli, startServe, waitReady } from './serve-process.js';

let home: string;

beforeAll(async () => {
  requireBuiltCli();
  home = await mkdtemp(join(tmpdir(), 'cairn-serve-'));
});
afterAll(async () => {
  killServes();
  await rm(home, { recursive: true, force: true });
});

// The store too lives in the temporary home, never in the user's.
const serve = () => startServe([], { CAIRN_HOME: home, CAIRN_DB: join(home, 'cairn.duckdb') });

it('prints the address and, on the first start only, the token; writes need it', async () => {
  const first = await serve();
  const tokenFile = join(home, 'api-token');
  const token = (await readFile(tokenFile, 'utf8')).trim();
  expect(first.out()).toContain(token);
  // The first start listens while it ingests the bundled data: its answers come once it is done.
  await waitReady(first.url);
  const kp = (await (await fetch(`${first.url}/api/v1/countries/KP`)).json()) as {
    data: { upstreams: Array<{ asn: number }> };
  };
  expect(kp.data.upstreams.map((u) => u.asn)).toEqual([4837]);
  const url = `${first.url}/api/v1/ach/cases/sony-pictures-2014/ratings/E01/H1`;
  const body = JSON.stringify({ rating: 'N' });
  const headers = { 'content-type': 'application/json' };
  expect((await fetch(url, { method: 'PUT', body, headers })).status).toBe(401);
  const allowed = await fetch(url, {
    method: 'PUT',
    body,
    headers: { ...headers, authorization: `Bearer ${token}` },
  });
  expect(allowed.status).toBe(200);
  first.child.kill('SIGTERM');
  expect(await first.exited).toBe(0);

  const second = await serve();
  expect(second.out()).not.toContain(token);
  expect(second.out()).toContain(`write token in ${tokenFile}`);
  second.child.kill('SIGTERM');
  expect(await second.exited).toBe(0);
});
