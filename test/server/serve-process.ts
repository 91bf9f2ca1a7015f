/**
 * `cairn serve` as a user runs it: the built binary (dist/cli/main.js) in a child process, with
 * the output it prints collected, resolved once it prints its address and where the write token is.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const CLI = join(import.meta.dirname, '../../dist/cli/main.js');
const children: ChildProcess[] = [];

export interface ServeProcess {
  child: ChildProcess;
  /** The base URL it printed, http://127.0.0.1:<port>. */
  url: string;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
}

/** Throws when the binary is not built, so the test says what to do instead of timing out. */
export function requireBuiltCli(): void {
  if (!existsSync(CLI)) throw new Error('dist/cli/main.js is missing: run npm run build first');
}

/**
 * Starts `cairn serve --port 0 --no-progress ...args` with `env` added to this process's, and
 * resolves once it prints its address (at most 5 minutes: it loads the data, or ingests it).
 */
export function startServe(args: string[], env: NodeJS.ProcessEnv): Promise<ServeProcess> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--no-progress', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`waited 5 minutes for the address; output: ${out}${err}`)),
      300_000,
    );
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      out += chunk;
      const match = /serving on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match !== null && /write token/.test(out)) {
        clearTimeout(timer);
        resolve({ child, url: match[1], out: () => out, err: () => err, exited });
      }
    });
    child.on('exit', (code) => reject(new Error(`cairn serve exited ${code}: ${out}${err}`)));
  });
}

/** Kills every server this file started that is still running (afterAll, so none outlives the test). */
export function killServes(): void {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
}

/** One /api/v1/health answer's data (the fields the start-up tests read). */
export interface HealthData {
  ready: boolean;
  startup: { label: string; state: string; done: number; total: number | null; unit: string } | null;
  services: Record<string, string>;
}

export async function health(url: string): Promise<HealthData> {
  const answer = await fetch(`${url}/api/v1/health`);
  if (answer.status !== 200) throw new Error(`/api/v1/health answered ${answer.status}`);
  return ((await answer.json()) as { data: HealthData }).data;
}

/**
 * Asks /api/v1/health until it says ready, returning every answer seen (at most 5 minutes: a
 * first start ingests the bundled data first). Fails at once when a service or the start-up failed.
 */
export async function waitReady(url: string): Promise<HealthData[]> {
  const seen: HealthData[] = [];
  const deadline = Date.now() + 300_000;
  for (;;) {
    const now = await health(url);
    seen.push(now);
    if (now.ready) return seen;
    if (now.startup?.state === 'failed' || Object.values(now.services).includes('failed'))
      throw new Error(`the server failed to start: ${JSON.stringify(now)}`);
    if (Date.now() > deadline)
      throw new Error(`waited 5 minutes for /api/v1/health to say ready; last: ${JSON.stringify(now)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Asks /api/v1/health until the server is built (the listener up before it says `starting: ...`
 * under `startup`), and returns that answer (at most 5 minutes).
 */
export async function waitBuilt(url: string): Promise<HealthData> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    const now = await health(url);
    if (now.startup?.label.startsWith('starting') !== true) return now;
    if (Date.now() > deadline)
      throw new Error(`waited 5 minutes for the server to be built; last: ${JSON.stringify(now)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until `text()` matches `pattern` (a line printed after the address; at most 5 minutes). */
export async function waitOutput(text: () => string, pattern: RegExp): Promise<void> {
  const deadline = Date.now() + 300_000;
  while (!pattern.test(text())) {
    if (Date.now() > deadline) throw new Error(`waited 5 minutes for ${pattern} in: ${text()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
