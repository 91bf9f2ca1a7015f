/**
 * The command table (program.ts): a command loads only its own module, after global options
 * too; `--version` loads none; help lists them all.
 */
import { describe, expect, it } from 'vitest';
import { captureIo } from './io.js';
import { buildProgram, runCli } from './program.js';

const names = async (args: string[]): Promise<string[]> =>
  (await buildProgram(args, { io: captureIo(), exitCode: 0 })).commands.map((c) => c.name()).sort();

describe('which commands a run loads', () => {
  it('the named one, after global options and their values', async () => {
    expect(await names(['mrt', 'dump', 'x'])).toEqual(['mrt']);
    expect(await names(['--max-input-bytes', '100', '--stream', 'mrt', 'dump', 'x'])).toEqual(['mrt']);
    expect(await names(['--max-input-bytes=100', 'ach', 'x'])).toEqual(['ach']);
    expect(await names(['ip', '192.0.2.1'])).toEqual(['asn', 'countries', 'country', 'ip']);
  });

  it('none for --version, which prints the version', async () => {
    expect(await names(['--version'])).toEqual([]);
    const io = captureIo();
    expect(await runCli(['--version'], io)).toBe(0);
    expect(io.out()).toBe('0.1.0\n');
  });

  it('all of them for help and for an unknown name', async () => {
    const all = await names(['--help']);
    expect(all).toEqual(expect.arrayContaining(['mrt', 'country', 'intel', 'ingest', 'serve', 'publish']));
    expect(await names([])).toEqual(all);
    expect(await names(['no-such-command'])).toEqual(all);
    const io = captureIo();
    expect(await runCli(['--help'], io)).toBe(0);
    for (const name of all) expect(io.out()).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
  });
});
