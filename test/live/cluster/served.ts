/**
 * A built `cairn serve` child on loopback for the cluster tests (serve.test.ts, workspace.test.ts):
 * its own CAIRN_HOME and token file under the test's folder, output captured for failure messages,
 * and stopped together in teardown.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { waitFor } from '../harness.js';

export const CLI = path.join(path.resolve(import.meta.dirname, '../../..'), 'dist/cli/main.js');

export interface Served {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** Starts `cairn serve <storeArgs>` in `dir/name` and resolves once it prints its address. */
export async function startServe(
  dir: string,
  storeArgs: string[],
  name: string,
  addressTimeoutMs: number,
  servers: Served[],
): Promise<Served> {
  const home = path.join(dir, name);
  fs.mkdirSync(home, { recursive: true });
  const child = spawn(
    process.execPath,
    [
      CLI,
      'serve',
      ...storeArgs,
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--token-file',
      path.join(home, 'token'),
      '--no-progress',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CAIRN_HOME: home } },
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const server: Served = { child, url: '', output: () => output };
  servers.push(server);
  server.url = await waitFor(
    `cairn serve ${storeArgs.join(' ')} to print its address`,
    addressTimeoutMs,
    () => {
      if (child.exitCode !== null) throw new Error(`cairn serve exited ${child.exitCode}:\n${output}`);
      return /serving on (http:\/\/\S+) /.exec(output)?.[1];
    },
    () => output,
    100,
  );
  return server;
}

/** Stops every server started into `servers` and waits for each to exit. */
export async function stopServes(servers: readonly Served[]): Promise<void> {
  for (const s of servers) {
    s.child.kill('SIGTERM');
    if (s.child.exitCode === null) await new Promise((resolve) => s.child.once('exit', resolve));
  }
}
