/** The write token: created once with mode 0600, read back after, refused when others can read it. */
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CairnError } from '../../src/errors/index.js';
import { bearerMatches, defaultTokenFile, ensureToken } from '../../src/server/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-token-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

it('creates a random 32-byte token with mode 0600 on the first start, and reads it after', async () => {
  const file = join(dir, 'home', 'api-token');
  const first = await ensureToken(file);
  expect(first.created).toBe(true);
  expect(Buffer.from(first.token, 'base64url')).toHaveLength(32);
  expect((await stat(file)).mode & 0o777).toBe(0o600);
  expect((await readFile(file, 'utf8')).trim()).toBe(first.token);
  const second = await ensureToken(file);
  expect(second).toEqual({ token: first.token, created: false });
  const other = await ensureToken(join(dir, 'other-token'));
  expect(other.token).not.toBe(first.token);
});

it('refuses a token file other users can read', async () => {
  const file = join(dir, 'open-token');
  await ensureToken(file);
  await chmod(file, 0o644);
  const error = await ensureToken(file).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(CairnError);
  expect((error as CairnError).code).toBe('SERVER_TOKEN_FILE');
});

it('matches only the exact bearer token', () => {
  const token = 'a'.repeat(43);
  expect(bearerMatches(`Bearer ${token}`, token)).toBe(true);
  expect(bearerMatches(`bearer ${token}`, token)).toBe(true);
  expect(bearerMatches(`Bearer ${token}x`, token)).toBe(false);
  expect(bearerMatches(`Bearer ${token.slice(1)}`, token)).toBe(false);
  expect(bearerMatches(token, token)).toBe(false);
  expect(bearerMatches(undefined, token)).toBe(false);
  expect(bearerMatches('Bearer ', token)).toBe(false);
});

it('keeps the token under $CAIRN_HOME, else ~/.cairn', () => {
  expect(defaultTokenFile({ CAIRN_HOME: '/srv/cairn' })).toBe('/srv/cairn/api-token');
  expect(defaultTokenFile({})).toMatch(/\.cairn\/api-token$/);
});
