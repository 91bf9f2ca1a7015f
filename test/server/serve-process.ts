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
