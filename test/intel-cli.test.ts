// `cairn intel` end to end on the bundled corpus: the CLI is run in process (runCli with a captured
// io) and its stdout and exit code checked.
import { writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { captureIo } from '../src/cli/io.js';
import { runCli } from '../src/cli/program.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const threeCx = path.join(repo, 'data/intel/misp-events/eset/nukesped_lazarus/lazarus_3cx.json');

async function run(args: string[]): Promise<string> {
  const io = captureIo();
  const code = await runCli(['intel', ...args], io);
  expect(code, io.err()).toBe(0);
  return io.out();
}

describe('cairn intel', () => {
  it('attribute --json: the 3CX event (label ignored) -> Lazarus Group with evidence', async () => {
    const out = JSON.parse(
      await run(['attribute', '--case', threeCx, '--ignore-labels', '--json', '--no-progress']),
    );
    expect(out.verdict).toBe('attributed');
    expect(out.candidates[0]).toMatchObject({ actor: 'Lazarus Group', id: 'G0032' });
    expect(out.candidates[0].aliases).toContain('HIDDEN COBRA');
    const e = out.candidates[0].evidence[0];
    expect(Object.keys(e)).toEqual(
      expect.arrayContaining(['feature', 'value', 'weight', 'contribution', 'query', 'candidate']),
    );
  });

  it('attribute: one public resolver is insufficient evidence', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cairn-intel-'));
    const file = path.join(dir, 'one.csv');
    writeFileSync(file, 'type,value\nipv4,8.8.8.8\n');
    const out = JSON.parse(await run(['attribute', '--case', file, '--json', '--no-progress']));
    expect(out.verdict).toBe('insufficient-evidence');
  });

  it('import --json reports each file with its problems and locations', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cairn-intel-'));
    const file = path.join(dir, 'bad.csv');
    writeFileSync(file, 'type,value\nipv4,1.2.3.4\nipv4,999.1.1.1\n');
    const out = JSON.parse(await run(['import', file, '--json', '--no-progress']));
    expect(out.files[0]).toMatchObject({ file, format: 'indicator-list', recordsRead: 2 });
    expect(out.files[0].issues[0]).toMatchObject({ code: 'INTEL_BAD_VALUE', file, line: 3 });
  });

  it('show, similar and export name the same case', async () => {
    const show = JSON.parse(await run(['show', threeCx, '--json', '--no-progress']));
    expect(show.case.name).toMatch(/^Linux malware strengthen links/);
    expect(show.indicators.length).toBeGreaterThan(10);
    const similar = JSON.parse(await run(['similar', threeCx, '--json', '--no-progress']));
    expect(similar.actors[0].name).toBe('Lazarus Group');
    expect(similar.similar[0].evidence.length).toBeGreaterThan(0);
    const bundle = JSON.parse(await run(['export', threeCx, '--stix', '--no-progress']));
    expect(bundle.type).toBe('bundle');
    expect(bundle.objects.some((o: { type: string }) => o.type === 'indicator')).toBe(true);
  });

  it('attribute --as-of: a date that does not parse is a usage error naming the option', async () => {
    const io = captureIo();
    const code = await runCli(
      ['intel', 'attribute', '--case', threeCx, '--as-of', 'yesterday', '--no-progress'],
      io,
    );
    expect(code).not.toBe(0);
    expect(io.err()).toContain('INTEL_BAD_OPTION: not a date: yesterday');
  });

  it('an unknown case is one line on stderr and exit code 1', async () => {
    const io = captureIo();
    const code = await runCli(['intel', 'show', 'nosuchcase', '--no-progress'], io);
    expect(code).toBe(1);
    expect(io.out()).toBe('');
    expect(io.err()).toBe(
      'cairn: INTEL_UNKNOWN_CASE: no case, file or case name matches "nosuchcase" (field case)\n',
    );
  });
});
