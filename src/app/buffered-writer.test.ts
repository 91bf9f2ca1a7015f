// BufferedWriter reuses written buffers only where the stream is done with them: the bytes that
// reach a file, and a PassThrough's reader, must be every line written, in order.
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { BufferedWriter } from './buffered-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'cairn-buffered-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Synthetic lines, each different, enough to fill the 4 KiB buffer many times over. */
const lines = Array.from({ length: 5000 }, (_, i) => `line ${i} ${'x'.repeat(i % 97)}`);
const expected = lines.map((line) => `${line}\n`).join('');

async function writeAll(out: BufferedWriter): Promise<void> {
  for (let i = 0; i < lines.length; i++) {
    out.line(lines[i]);
    // Flushes between "input chunks", as dumpMrt does, so full buffers go out while others fill.
    if (i % 50 === 49) await out.flush();
  }
  await out.flush(true);
}

describe('BufferedWriter', () => {
  it('writes every line to a file stream, whose written buffers it fills again', async () => {
    const path = join(dir, 'out.txt');
    const stream = createWriteStream(path);
    await writeAll(new BufferedWriter(stream, 4096));
    stream.end();
    await once(stream, 'close');
    expect(readFileSync(path, 'latin1') === expected).toBe(true);
  });

  it('gives a PassThrough, which keeps the chunks it hands on, a new buffer each time', async () => {
    const stream = new PassThrough();
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    await writeAll(new BufferedWriter(stream, 4096));
    stream.end();
    await once(stream, 'end');
    expect(Buffer.concat(chunks).toString('latin1') === expected).toBe(true);
  });
});
