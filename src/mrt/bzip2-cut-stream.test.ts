// CutStreamRepair against the reference tool: the bytes it passes on must be a valid bzip2 stream
// (`bzip2 -dc` exits 0) holding every complete block of the cut input, whatever the chunking, and
// the cut block it hands back must decode (TypeScript decoder) as far as the input allows.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CairnError } from '../errors/index.js';
import { Bzip2Decoder } from './bzip2.js';
import { CutStreamRepair, type CutStreamEnd } from './bzip2-cut-stream.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function bzip2(args: string[], input: Uint8Array): { stdout: Buffer; ok: boolean } {
  const result = spawnSync('bzip2', args, { input, maxBuffer: 1 << 30 });
  if (result.error !== undefined) throw new Error(`cannot run bzip2 (see .ci/run): ${result.error.message}`);
  return { stdout: result.stdout, ok: result.status === 0 };
}

function repair(input: Uint8Array, chunkSize: number): { passed: Buffer; end: CutStreamEnd } {
  const repairer = new CutStreamRepair();
  const parts: Buffer[] = [];
  for (let at = 0; at < input.length; at += chunkSize)
    parts.push(...repairer.add(input.subarray(at, at + chunkSize)));
  const end = repairer.finish();
  parts.push(...end.bytes);
  return { passed: Buffer.concat(parts), end };
}

/** Every block the TypeScript decoder gets out of `input`, and how its stream ends. */
function decodeAll(
  input: Uint8Array,
  start?: { output: number; input: number },
): { data: Buffer; error: unknown } {
  const decoder = new Bzip2Decoder('test', { start });
  decoder.push(input);
  decoder.end();
  const parts: Uint8Array[] = [];
  try {
    for (let block = decoder.next(); block; block = decoder.next()) parts.push(block);
  } catch (error) {
    return { data: Buffer.concat(parts), error };
  }
  return { data: Buffer.concat(parts), error: undefined };
}

/** Text-like generated data: compresses into 100k blocks at level 1. */
function generated(size: number, seed: number): Buffer {
  const words = ['AS13335', '202.', '|B|', 'IGP', '174:21000', ' ', '1.1.1.0/24', 'NAG', '\n', '3356'];
  const out = Buffer.alloc(size);
  let state = seed;
  for (let i = 0; i < size;) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    const word = words[state % words.length] + String(state % 997);
    i += out.write(word, i, 'latin1');
  }
  return out;
}

describe('CutStreamRepair', () => {
  const data = generated(650_000, 3);
  const compressed = bzip2(['-1', '-c'], data).stdout;

  it('passes a complete stream on unchanged, in any chunking', () => {
    for (const chunkSize of [1, 13, 4096, compressed.length]) {
      const { passed, end } = repair(compressed, chunkSize);
      expect(passed.equals(compressed), `chunks of ${chunkSize}`).toBe(true);
      expect(end.cutBlock).toBeUndefined();
    }
  });

  it('ends a stream cut anywhere so that bzip2 decodes every complete block, and hands back the cut one', () => {
    const cuts = [40, 100, 5_000, 20_000, 33_333, 60_000, compressed.length - 200, compressed.length - 11];
    for (let cut = compressed.length - 10; cut < compressed.length; cut++) cuts.push(cut);
    let completeCutBlocks = 0;
    let cutsInEnd = 0;
    for (const cut of cuts) {
      const input = compressed.subarray(0, cut);
      // The exact decodable prefix: every complete block (the TypeScript decoder checks each CRC).
      const expected = decodeAll(input);
      expect((expected.error as CairnError).code).toBe('MRT_TRUNCATED_STREAM');
      for (const chunkSize of [1 << 20, 65_536, 1000, 7]) {
        const label = `cut at ${cut} of ${compressed.length}, chunks of ${chunkSize}`;
        const { passed, end } = repair(input, chunkSize);
        const cutBlock = end.cutBlock;
        if (cutBlock === undefined) {
          // Only when the end-of-stream magic itself is there, so its CRC is what was cut: the
          // marker is rebuilt, and bzip2 decodes every block (all the data).
          expect(cut, label).toBeGreaterThan(compressed.length - 5);
          expect(end.cutInEnd, label).toEqual({ inputSize: cut });
          expect((expected.error as CairnError).message, label).toContain('inside the end-of-stream marker');
          const native = bzip2(['-dc'], passed);
          expect(native.ok, label).toBe(true);
          expect(native.stdout.equals(expected.data), label).toBe(true);
          expect(expected.data.equals(data), label).toBe(true);
          cutsInEnd++;
          continue;
        }
        expect(end.cutInEnd, label).toBeUndefined();
        const native = bzip2(['-dc'], passed);
        expect(native.ok, label).toBe(true);
        expect(cutBlock.inputSize, label).toBe(cut);
        const rest = decodeAll(cutBlock.stream, {
          output: native.stdout.length,
          input: cut - cutBlock.stream.length,
        });
        const error = rest.error as CairnError;
        expect(error.code, label).toBe('MRT_TRUNCATED_STREAM');
        expect(error.location.offset, label).toBe(expected.data.length);
        expect(error.message, label).toContain(`after ${cut} compressed bytes`);
        expect(Buffer.concat([native.stdout, rest.data]).equals(expected.data), label).toBe(true);
        expect(expected.data.equals(data.subarray(0, expected.data.length)), label).toBe(true);
        if (rest.data.length > 0) completeCutBlocks++;
      }
    }
    // Cuts inside the end-of-stream magic leave the last block whole: our decoder delivers it.
    expect(completeCutBlocks).toBeGreaterThan(0);
    expect(cutsInEnd).toBeGreaterThan(0);
    expect(compressed.length).toBeGreaterThan(60_000); // several blocks, so several CRCs combine
  });

  it('rebuilds the end of the last of several concatenated streams', () => {
    const second = bzip2(['-1', '-c'], generated(300_000, 11)).stdout;
    const joined = Buffer.concat([compressed, second]);
    for (const cut of [compressed.length + 50, compressed.length + 30_000, joined.length - 100]) {
      const input = joined.subarray(0, cut);
      const expected = decodeAll(input);
      const { passed, end } = repair(input, 65_536);
      expect(end.cutBlock, `cut at ${cut}`).toBeDefined();
      const native = bzip2(['-dc'], passed);
      expect(native.ok, `cut at ${cut}`).toBe(true);
      expect(native.stdout.length).toBeGreaterThan(data.length - 1);
      expect(expected.data.subarray(0, native.stdout.length).equals(native.stdout)).toBe(true);
    }
  });

  it('decodes the truncated corpus files: every complete block through bzip2, the cut block through ours', () => {
    const files: Record<string, number> = {
      'pyasn/rib.20080501.0644_firstMB.bz2': 9_876_188,
      'pyasn/rib.20140523.0600_firstMB.bz2': 15_274_550,
    };
    for (const [relative, completeBlockBytes] of Object.entries(files)) {
      const input = fs.readFileSync(path.join(repo, 'data/mrt', relative));
      const { passed, end } = repair(input, 1 << 20);
      const native = bzip2(['-dc'], passed);
      expect(native.ok, relative).toBe(true);
      expect(native.stdout.length, relative).toBe(completeBlockBytes);
      const cutBlock = end.cutBlock;
      expect(cutBlock, relative).toBeDefined();
      const rest = decodeAll((cutBlock as NonNullable<typeof cutBlock>).stream, {
        output: completeBlockBytes,
        input: 0,
      });
      expect(rest.data.length, relative).toBe(0);
      expect((rest.error as CairnError).location.offset).toBe(completeBlockBytes);
    }
  });

  it('holds at most one block: a marker followed by megabytes without another is passed on', () => {
    const repairer = new CutStreamRepair();
    const start = compressed.subarray(0, 40); // header and the first block's marker
    let passed = repairer.add(start).reduce((sum, piece) => sum + piece.length, 0);
    const filler = Buffer.alloc(1 << 20, 0x55);
    for (let i = 0; i < 4; i++) passed += repairer.add(filler).reduce((sum, piece) => sum + piece.length, 0);
    // Held back: at most one block's worth (2.4 MB), the rest passed on before the end.
    expect(passed).toBeGreaterThan(start.length + 4 * filler.length - 2_400_000 - filler.length);
    const end = repairer.finish();
    passed += end.bytes.reduce((sum, piece) => sum + piece.length, 0);
    expect(passed).toBe(start.length + 4 * filler.length);
    expect(end.cutBlock).toBeUndefined();
  });

  it('passes on unchanged what does not look like a cut stream (data after the end, garbage)', () => {
    const inputs: [string, Buffer][] = [
      ['stream + garbage', Buffer.concat([compressed, Buffer.from('garbage!')])],
      ['stream + "BZh9"', Buffer.concat([compressed, Buffer.from('BZh9')])],
      ['not bzip2 after the header', Buffer.concat([Buffer.from('BZh9'), generated(5000, 5)])],
      ['header only', Buffer.from('BZh9')],
      ['empty', Buffer.alloc(0)],
    ];
    for (const [label, input] of inputs) {
      const { passed, end } = repair(input, 1000);
      expect(passed.equals(input), label).toBe(true);
      expect(end.cutBlock, label).toBeUndefined();
    }
  });
});
