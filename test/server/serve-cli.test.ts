/**
 * `cairn serve` as a user runs it: the built binary in a child process on 127.0.0.1 port 0 with a
 * token file in a temporary $CAIRN_HOME. The first start prints the address and the token, the
 * API answers on it, a second start prints where the token is but not the token.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/cli/main.js');
let home: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error('dist/cli/main.js is missing: run npm run build first');
  home = await mkdtemp(join(tmpdir(), 'cairn-serve-'));
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await rm(home, { recursive: true, force: true });
});

/** Starts `cairn serve` and resolves once it prints its address (at most 5 minutes: it loads the data). */
function serve(): Promise<{
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--no-progress'], {
    // The store too lives in the temporary home, never in the user's.
    env: { ...process.env, CAIRN_HOME: home, CAIRN_DB: join(home, 'cairn.duckdb') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`waited 5 minutes for the address; output: ${out}`)),
      300_000,
    );
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      out += chunk;
      const match = /serving on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match !== null && /write token/.test(out)) {
        clearTimeout(timer);
        resolve({ child, url: match[1], output: () => out, exited });
      }
    });
    child.on('exit', (code) => reject(new Error(`cairn serve exited ${code}: ${out}`)));
  });
}

it('prints the address and, on the first start only, the token; writes need it', async () => {
  const first = await serve();
  const tokenFile = join(home, 'api-token');
  const token = (await readFile(tokenFile, 'utf8')).trim();
  expect(first.output()).toContain(token);
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
  expect(second.output()).not.toContain(token);
  expect(second.output()).toContain(`write token in ${tokenFile}`);
  second.child.kill('SIGTERM');
  expect(await second.exited).toBe(0);
});
