/**
 * `bgpdump -m` text of an MRT file: the independent reference many test files compare with, most
 * of them on the same bundled files. Debian's bgpdump runs once per input and test run: its output
 * is kept in the system's temporary folder, named by a digest of the input's path, size and
 * modification time and of the bgpdump binary's, so that the test files of both workers (which
 * clear their in-memory caches after each file) read it back instead of decoding again. A file
 * written by a run that died part-way is never read: the text is written beside and renamed.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const OPTIONS = { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] as ['ignore', 'pipe', 'ignore'] };

let binary: string | undefined;

/** Where the text of `file` is kept: changes when the input or bgpdump changes. */
function cachePath(file: string): string {
  binary ??= execFileSync('sh', ['-c', 'command -v bgpdump'], { encoding: 'utf8' }).trim();
  const key = [resolve(file), binary]
    .map((path) => {
      const stat = statSync(path);
      return `${path} ${stat.size} ${stat.mtimeMs}`;
    })
    .join('\n');
  const dir = join(tmpdir(), `cairn-bgpdump-reference-${process.getuid?.() ?? 0}`);
  mkdirSync(dir, { recursive: true });
  return join(dir, `${createHash('sha256').update(key).digest('hex').slice(0, 32)}.txt`);
}

function readKept(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function keep(path: string, text: string): void {
  const partial = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  writeFileSync(partial, text);
  renameSync(partial, path);
}

/** `bgpdump -m file`'s standard output; throws as `execFileSync` does when bgpdump fails. */
export function bgpdumpText(file: string): string {
  const path = cachePath(file);
  const kept = readKept(path);
  if (kept !== undefined) return kept;
  const text = execFileSync('bgpdump', ['-m', file], OPTIONS).toString();
  keep(path, text);
  return text;
}

/** `bgpdumpText` with bgpdump in a child process the caller does not wait on meanwhile. */
export async function bgpdumpTextAsync(file: string): Promise<string> {
  const path = cachePath(file);
  const kept = readKept(path);
  if (kept !== undefined) return kept;
  const { stdout } = await execFileAsync('bgpdump', ['-m', file], { maxBuffer: 1 << 30, encoding: 'utf8' });
  keep(path, stdout);
  return stdout;
}
