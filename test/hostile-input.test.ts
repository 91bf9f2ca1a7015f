/**
 * Bounded file inputs (issue 18, points 4 and 8): every file input passes one reader
 * (app/input-file.ts) that refuses devices and FIFOs unless `--stream` is given, stops at the
 * size limit (`--max-input-bytes`) with INPUT_TOO_LARGE naming the path, and a corpus folder with
 * a symlink loop or a dangling entry is reported and skipped, not fatal. In process, with
 * `runCli`; the FIFO writers are child processes (`sh -c 'cat > fifo'`).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_INPUT_BYTES, inputLimits, setInputLimits } from '../src/app/index.js';
import { captureIo } from '../src/cli/io.js';
import { runCli } from '../src/cli/program.js';

const ROOT = join(import.meta.dirname, '..');
const MISP = join(ROOT, 'data/intel/misp-events/eset/nukesped_lazarus/lazarus_3cx.json');
let dir: string;
let fifo: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-hostile-input-'));
  fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => setInputLimits({ maxBytes: DEFAULT_MAX_INPUT_BYTES, streams: false }));

async function cairn(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo();
  const code = await runCli(args, io);
  return { code, out: io.out(), err: io.err() };
}

describe('devices and FIFOs', () => {
  it('intel import /dev/zero is refused at once, by name', async () => {
    const run = await cairn(['intel', 'import', '/dev/zero']);
    expect(run.code).toBe(2);
    expect(run.err).toContain('INPUT_NOT_A_FILE');
    expect(run.err).toContain('/dev/zero is a device');
    expect(run.err).toContain('--stream');
  });

  it('with --stream, /dev/zero is read up to the limit and stops there, named', async () => {
    const run = await cairn(['--stream', '--max-input-bytes', '1000000', 'intel', 'import', '/dev/zero']);
    expect(run.code).toBe(2);
    expect(run.err).toContain('INPUT_TOO_LARGE');
    expect(run.err).toContain('/dev/zero is larger than the limit (limit 1000000 bytes');
  });

  it('a FIFO nobody writes to does not hang intel import, ach or collect --config', async () => {
    for (const args of [
      ['intel', 'import', fifo],
      ['ach', fifo],
      ['collect', '--config', fifo],
    ]) {
      const run = await cairn(args);
      expect(run.code, `${args.join(' ')}: ${run.err}`).toBe(2);
      expect(run.err, args.join(' ')).toContain(fifo);
    }
  });

  it('with --stream, a FIFO that delivers a MISP event is imported like the file', async () => {
    const writer = spawn('sh', ['-c', `cat "${MISP}" > "${fifo}"`], { stdio: 'ignore' });
    const closed = new Promise((resolve) => writer.once('close', resolve));
    const streamed = await cairn(['--stream', 'intel', 'import', fifo]);
    await closed;
    const direct = await cairn(['intel', 'import', MISP]);
    expect(streamed.code, streamed.err).toBe(0);
    expect(direct.code).toBe(0);
    const totals = (text: string) => text.match(/^total: .*$/m)?.[0];
    expect(totals(streamed.out)).toBeDefined();
    expect(totals(streamed.out)).toBe(totals(direct.out));
  });

  it('- reads standard input (the built binary, fed the MISP event on its stdin)', async () => {
    const main = join(ROOT, 'dist/cli/main.js');
    expect(existsSync(main), 'dist/cli/main.js: run `npm run build` first').toBe(true);
    const run = spawnSync(process.execPath, [main, 'intel', 'import', '-'], {
      input: readFileSync(MISP),
      encoding: 'utf8',
      timeout: 60_000,
    });
    const direct = await cairn(['intel', 'import', MISP]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.match(/^total: .*$/m)?.[0]).toBe(direct.out.match(/^total: .*$/m)?.[0]);
  });

  it('the limits are put back for the next command', async () => {
    await cairn(['--stream', '--max-input-bytes', '10', 'intel', 'import', MISP]);
    await cairn(['intel', 'import', MISP]);
    expect(inputLimits()).toEqual({ maxBytes: DEFAULT_MAX_INPUT_BYTES, streams: false });
  });
});

describe('size limit', () => {
  it('a regular file over --max-input-bytes is refused before it is read, named, exit 2', async () => {
    for (const args of [
      ['intel', 'import', MISP],
      ['collect', '--config', MISP],
    ]) {
      const run = await cairn(['--max-input-bytes', '100', ...args]);
      expect(run.code, `${args.join(' ')}: ${run.err}`).toBe(2);
      expect(run.err).toContain('INPUT_TOO_LARGE');
      expect(run.err).toContain(`${MISP} holds`);
    }
  });

  it('a limit that is not a positive number is a usage error', async () => {
    const run = await cairn(['--max-input-bytes', 'lots', 'intel', 'import', MISP]);
    expect(run.code).toBe(1);
    expect(run.err).toContain('--max-input-bytes');
  });
});

describe('corpus folders with loops and dangling entries', () => {
  it('are reported, skipped, and everything else is imported', async () => {
    const corpus = join(dir, 'corpus');
    mkdirSync(join(corpus, 'sub'), { recursive: true });
    copyFileSync(MISP, join(corpus, 'sub', 'event.json'));
    symlinkSync('..', join(corpus, 'sub', 'up')); // a loop back to the corpus root
    symlinkSync('self', join(corpus, 'self')); // ELOOP
    symlinkSync(join(dir, 'nowhere'), join(corpus, 'dangling')); // ENOENT
    writeFileSync(join(corpus, 'notes.txt'), '');
    const run = await cairn(['intel', 'import', corpus]);
    const direct = await cairn(['intel', 'import', MISP]);
    expect(run.out.match(/^total: .*$/m)?.[0]).toBe(direct.out.match(/^total: .*$/m)?.[0]);
    expect(run.err).toContain(`${join(corpus, 'self')} skipped: ELOOP`);
    expect(run.err).toContain(`${join(corpus, 'dangling')} skipped: ENOENT`);
    expect(run.err).toContain(`${join(corpus, 'sub', 'up')} skipped: a link back to`);
    // The import ran to the end, and says an input could not be read.
    expect(run.code).toBe(2);
  });
});
