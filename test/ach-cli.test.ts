// `cairn ach`: the CLI run in process (runCli with a captured io) on the shipped case and on
// broken files, checking the JSON and text output and the exit code.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadYamlParser } from '../src/app/index.js';
import { captureIo } from '../src/cli/io.js';
import { runCli } from '../src/cli/program.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SONY = path.join(repoRoot, 'cases/sony-pictures-2014.json');

async function run(args: string[]): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const io = captureIo();
  const exitCode = await runCli(['ach', ...args], io);
  return { stdout: io.out(), stderr: io.err(), exitCode };
}

const dir = mkdtempSync(path.join(tmpdir(), 'cairn-ach-'));

describe('cairn ach', () => {
  it('--json: one object with scores, ranking, evidence with sources, sensitivity', async () => {
    const r = await run([SONY, '--json']);
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const j = JSON.parse(lines[0]);
    expect(j.ok).toBe(true);
    expect(j.hypotheses.map((h: { id: string }) => h.id)).toEqual(['H1', 'H2', 'H3', 'H4']);
    expect(j.ranking).toHaveLength(4);
    expect(j.evidence.every((e: { sources: unknown[] }) => e.sources.length > 0)).toBe(true);
    expect(j.evidence[0].ratings).toHaveLength(4);
    expect(j.sensitivity.items).toHaveLength(j.evidence.length);
  });

  it('text: the matrix has hypotheses as columns and items as rows', async () => {
    const r = await run([SONY]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^ {2}item +evidence +cred +rel +weight +H1 +H2 +H3 +H4 +diag$/m);
    // Matrix rows: the id padded to the 'item' column, then two spaces.
    expect(r.stdout.match(/^ {2}E\d\d {3}\S/gm)).toHaveLength(17);
  });

  it('a broken case file: every problem with its path and line; exit code 2 (bad input)', async () => {
    const file = path.join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify(
        {
          schema: 'cairn.ach/1',
          id: 'bad',
          title: 'bad',
          hypotheses: [
            { id: 'H1', title: 'one' },
            { id: 'H2', title: 'two' },
          ],
          evidence: [
            {
              id: 'E1',
              title: 'x',
              credibility: 'high',
              relevance: 'low',
              ratings: { H1: 'C', H2: 'III' },
              sources: [{ kind: 'report', title: 't', says: 's' }],
            },
          ],
        },
        null,
        2,
      ),
    );
    const line =
      readFileSync(file, 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('"III"')) + 1;
    const text = await run([file]);
    expect(text.exitCode).toBe(2);
    expect(text.stdout).toBe('');
    expect(text.stderr).toBe(
      `cairn: ACH_UNKNOWN_RATING: rating "III" is not one of CC, C, N, I, II, NA (${file}, line ${line}, evidence[0].ratings.H2)\n`,
    );
    const json = await run([file, '--json']);
    expect(json.exitCode).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({
      ok: false,
      issues: [
        {
          code: 'ACH_UNKNOWN_RATING',
          message: 'rating "III" is not one of CC, C, N, I, II, NA',
          file,
          line,
          path: 'evidence[0].ratings.H2',
        },
      ],
    });
  });

  it('a missing file and a bad --format are typed errors', async () => {
    const missing = await run([path.join(dir, 'nope.json')]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/^cairn: ACH_CANNOT_READ: cannot read case file \(ENOENT\)/);
    const format = await run([SONY, '--format', 'xml']);
    expect(format.exitCode).toBe(1);
    expect(format.stderr).toMatch(/ACH_BAD_OPTION/);
  });

  it('a file over the size limit is refused without reading it all', async () => {
    const file = path.join(dir, 'huge.json');
    writeFileSync(file, Buffer.alloc(4 * 1024 * 1024 + 10, 0x20));
    const r = await run([file]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/ACH_TOO_LARGE/);
  });

  it('YAML: loads with the yaml package, or says what is missing', async () => {
    const file = path.join(dir, 'case.yaml');
    writeFileSync(file, 'schema: cairn.ach/1\n');
    const r = await run([file]);
    // A missing package is not the input's fault (1); a case that fails its schema is bad input (2).
    if ((await loadYamlParser()) === undefined) {
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(/ACH_YAML_UNAVAILABLE/);
    } else {
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(/ACH_SCHEMA/);
    }
  });
});
