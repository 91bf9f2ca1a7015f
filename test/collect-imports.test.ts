/**
 * `cairn collect` starts without the element bus (nats, and through app/bus.ts the store's ingest)
 * unless it publishes: app/collect.ts loads the bus when `publish` is given, and the command imports
 * app/collect.js, not the whole of app. Checked in a fresh Node process on the built code (the test process has loaded
 * other test files' modules), by the CommonJS packages Node has loaded.
 *
 * Needs the build (`npm run build`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

/** The packages among `watched` that importing `module` (a path under dist/) loads. */
function packagesLoaded(module: string, watched: string[]): string[] {
  const file = join(ROOT, 'dist', module);
  expect(existsSync(file), `${file}: run \`npm run build\` first`).toBe(true);
  const script = [
    `await import(${JSON.stringify(file)});`,
    `const { createRequire } = await import('node:module');`,
    `const loaded = Object.keys(createRequire(import.meta.url).cache);`,
    `const watched = ${JSON.stringify(watched)};`,
    `console.log(JSON.stringify(watched.filter((p) => loaded.some((f) => f.includes('/node_modules/' + p + '/')))));`,
  ].join('\n');
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as string[];
}

describe('what cairn collect loads', () => {
  const heavy = ['nats'];

  it('the command and app/collect.js do not load the bus', () => {
    expect(packagesLoaded('cli/collect.js', heavy)).toEqual([]);
    expect(packagesLoaded('app/collect.js', heavy)).toEqual([]);
  });

  it('the whole of app does load the bus (the check sees a loaded package)', () => {
    expect(packagesLoaded('app/index.js', heavy)).toContain('nats');
  });
});
