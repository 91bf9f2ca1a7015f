/**
 * `cairn ingest` and `cairn history` on inputs that hold nothing to read (#18 point 6): an empty
 * folder, a FIFO, a store that does not exist. Each ends with exit code 2 and names the path;
 * nothing is created where only reading was asked for. In process (runCli).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/program.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-unreadable-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo();
  const code = await runCli(args, io);
  return { code, out: io.out(), err: io.err() };
}

describe('cairn ingest and history refuse what they cannot read', () => {
  it('an empty folder given to --mrt, --registry or --intel is an error naming it', async () => {
    const empty = path.join(dir, 'empty');
    fs.mkdirSync(empty);
    for (const option of ['--mrt', '--registry', '--intel']) {
      const run = await cli('ingest', '--no-progress', '--db', path.join(dir, 'a.duckdb'), option, empty);
      expect(run.code, option).toBe(2);
      expect(run.err, option).toContain('INGEST_NO_INPUT');
      expect(run.err, option).toContain(empty);
    }
  });

  it('a FIFO given to --mrt is refused by name, never waited on', async () => {
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const run = await cli('ingest', '--no-progress', '--db', path.join(dir, 'b.duckdb'), '--mrt', fifo);
    expect(run.code).toBe(2);
    expect(run.err).toContain('INPUT_NOT_A_FILE');
    expect(run.err).toContain(fifo);
  });

  it('history on a store that does not exist says so and creates nothing', async () => {
    const missing = path.join(dir, 'missing.duckdb');
    const run = await cli('history', 'outages', '--country', 'KP', '--db', missing);
    expect(run.code).toBe(2);
    expect(run.err).toContain('STORE_NOT_FOUND');
    expect(run.err).toContain(missing);
    expect(fs.existsSync(missing)).toBe(false);
  });
});
