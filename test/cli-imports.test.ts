/**
 * Each `cairn` command loads the app code it needs and no more: its module imports an app
 * sub-surface (app/surface-*.js, app/mrt.js, app/country.js, app/collect.js), not app/index.js, and
 * the heavy packages (DuckDB's native module, fastify, nats) load only where a command needs
 * them, at the point of use. Checked in a fresh Node process on the built code (the test process
 * has loaded other test files' modules), by every URL the ESM loader resolves while importing and
 * every file in require's cache after it.
 *
 * Needs the build (`npm run build`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

// A resolve hook posts each resolved URL; a data: module imported last marks the end of the list.
const HOOKS = [
  'let port;',
  'export function initialize(data) { port = data.port; }',
  'export async function resolve(specifier, context, next) {',
  '  const result = await next(specifier, context);',
  '  port.postMessage(result.url);',
  '  return result;',
  '}',
].join('\n');

/** What each module loaded, by module: two checks of one module read one child process. */
const loaded = new Map<string, string[]>();
afterAll(() => loaded.clear());

/** Every URL resolved while importing `module` (a path under dist/) in a fresh process, and every file required. */
function urlsLoaded(module: string): string[] {
  let urls = loaded.get(module);
  if (urls === undefined) loaded.set(module, (urls = urlsLoadedNow(module)));
  return urls;
}

function urlsLoadedNow(module: string): string[] {
  const file = join(ROOT, 'dist', module);
  expect(existsSync(file), `${file}: run \`npm run build\` first`).toBe(true);
  const script = [
    `import { createRequire, register } from 'node:module';`,
    `import { pathToFileURL } from 'node:url';`,
    `import { MessageChannel } from 'node:worker_threads';`,
    `const { port1, port2 } = new MessageChannel();`,
    `const urls = [];`,
    `const END = 'data:text/javascript,export default "end of the import list"';`,
    `const done = new Promise((resolve) => port1.on('message', (url) => (url === END ? resolve() : urls.push(url))));`,
    `register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOKS)}), { data: { port: port2 }, transferList: [port2] });`,
    `await import(${JSON.stringify(file)});`,
    `await import(END);`,
    `await done;`,
    `port1.close();`,
    // Packages loaded with require (the store loads DuckDB so) pass no ESM hook: their files are in require's cache.
    `const required = Object.keys(createRequire(process.cwd() + '/').cache).map((f) => pathToFileURL(f).href);`,
    `console.log(JSON.stringify([...urls, ...required]));`,
  ].join('\n');
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as string[];
}

/** The packages among `watched` whose files `urls` holds, and whether app/index.js is among them. */
function summary(urls: string[], watched: string[]): { packages: string[]; appIndex: boolean } {
  return {
    packages: watched.filter((p) => urls.some((u) => u.includes(`/node_modules/${p}/`))),
    appIndex: urls.some((u) => u.endsWith('/dist/app/index.js')),
  };
}

const HEAVY = ['@duckdb/node-api', 'fastify', 'nats'];

/** Command modules (dist/cli/...) and the heavy packages each may load on import. */
const COMMANDS: [string, string[]][] = [
  ['cli/mrt.js', []],
  ['cli/country.js', []],
  ['cli/whatif.js', []],
  ['cli/demo.js', []],
  ['cli/ach.js', []],
  ['cli/intel.js', []],
  ['cli/intel-sample.js', []],
  ['cli/fetch.js', []],
  ['cli/outages.js', []],
  ['cli/watch.js', []],
  ['cli/collect.js', []],
  ['cli/ingest.js', []],
  ['cli/history.js', []],
  ['cli/publish.js', []],
  ['cli/program.js', []],
  ['app/surface-sample.js', []],
  // app/collect.ts loads the bus (nats, the store's ingest) only when `publish` is given.
  ['app/collect.js', []],
];

describe('what each cairn command loads', () => {
  for (const [module, allowed] of COMMANDS) {
    it(`${module} loads an app sub-surface, not app/index.js, and none of ${HEAVY.join(', ')}`, () => {
      expect(summary(urlsLoaded(module), HEAVY)).toEqual({ packages: allowed, appIndex: false });
    });
  }

  it('the intel questions (app/surface-intel.js) load no routing replay, ingest, outage or collector code', () => {
    const urls = urlsLoaded('app/surface-intel.js');
    const notNeeded = [
      '/dist/app/ingest.js',
      '/dist/app/world.js',
      '/dist/app/registry-files.js',
      '/dist/app/outages.js',
      '/dist/app/live.js',
      '/dist/observatory/index.js',
      '/dist/routing/index.js',
      '/dist/registry/index.js',
      '/dist/bgp/collector/index.js',
    ];
    expect(notNeeded.filter((m) => urls.some((u) => u.endsWith(m)))).toEqual([]);
    // The check sees what a module loads: the intel surface itself is among the URLs.
    expect(urls.some((u) => u.endsWith('/dist/app/intel.js'))).toBe(true);
  });

  it('the collector (app/collect.js) loads no live detection, routing, observatory or registry code', () => {
    const urls = urlsLoaded('app/collect.js');
    const notNeeded = [
      '/dist/app/live.js',
      '/dist/app/outages.js',
      '/dist/app/alert-stream.js',
      '/dist/observatory/index.js',
      '/dist/routing/index.js',
      '/dist/registry/index.js',
    ];
    expect(notNeeded.filter((m) => urls.some((u) => u.endsWith(m)))).toEqual([]);
    // The check sees what it loads: the collector itself is among the URLs.
    expect(urls.some((u) => u.endsWith('/dist/bgp/collector/index.js'))).toBe(true);
  });

  it('cli/program.js (every command) sets the input limits without loading the readers or mrt', () => {
    const urls = urlsLoaded('cli/program.js');
    expect(
      ['/dist/app/input-file.js', '/dist/mrt/index.js'].filter((m) => urls.some((u) => u.endsWith(m))),
    ).toEqual([]);
    expect(urls.some((u) => u.endsWith('/dist/app/input-limits.js'))).toBe(true);
  });

  it('cli/intel.js (so `intel sample`) loads the sample walk and workers, not the intel questions, the store, YARA or zod', () => {
    const urls = urlsLoaded('cli/intel.js');
    const notNeeded = [
      '/dist/app/surface-intel.js',
      '/dist/app/intel.js',
      '/dist/app/sample.js',
      '/dist/app/ingest.js',
      '/dist/intel/index.js',
      '/dist/store/index.js',
      // The byte analysis is loaded once the reading starts, after the workers are started.
      '/dist/app/sample-read.js',
      '/dist/intel/sample/analyze.js',
      // zod checks the input once the workers are started (app/sample-input.js).
      '/dist/app/sample-input.js',
      '/node_modules/zod/',
    ];
    expect(notNeeded.filter((m) => urls.some((u) => u.endsWith(m) || u.includes(m)))).toEqual([]);
    // The check sees what it loads: the walk and the workers' start are among the URLs.
    expect(urls.some((u) => u.endsWith('/dist/app/sample-files.js'))).toBe(true);
    expect(urls.some((u) => u.endsWith('/dist/app/sample-start.js'))).toBe(true);
  });

  it('the sample worker threads (app/sample-read.js) load the byte analysis, not zod, intel or app whole', () => {
    const urls = urlsLoaded('app/sample-read.js');
    const notNeeded = [
      '/dist/app/index.js',
      '/dist/app/sample.js',
      '/dist/intel/index.js',
      '/node_modules/zod/',
    ];
    expect(notNeeded.filter((m) => urls.some((u) => u.endsWith(m) || u.includes(m)))).toEqual([]);
    expect(urls.some((u) => u.endsWith('/dist/intel/sample/analyze.js'))).toBe(true);
  });

  it('the whole of app does load app/index.js and the check sees packages loaded on import', () => {
    // The server face loads fastify on import: the check sees a heavy package when one loads.
    expect(summary(urlsLoaded('server/index.js'), HEAVY).packages).toContain('fastify');
    expect(summary(urlsLoaded('app/index.js'), HEAVY).appIndex).toBe(true);
  });
});
