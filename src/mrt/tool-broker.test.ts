import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { BROKER_SLOTS, startTool, toolLauncher, type ToolJob } from './tool-broker.js';

/** Everything the tool wrote on stdout and on stderr: both read to their end (either may end first). */
async function readAll(job: ToolJob): Promise<{ out: Buffer; err: string }> {
  const err: string[] = [];
  job.stderr.setEncoding('utf8');
  job.stderr.on('data', (text: string) => err.push(text));
  const errEnded = new Promise<void>((resolve) => {
    job.stderr.once('close', resolve);
    job.stderr.once('end', resolve);
  });
  const out: Buffer[] = [];
  for await (const chunk of job.stdout) out.push(chunk as Buffer);
  await errEnded;
  return { out: Buffer.concat(out), err: err.join('') };
}

const saved = process.env.CAIRN_TOOL_BROKER;
afterEach(() => {
  if (saved === undefined) delete process.env.CAIRN_TOOL_BROKER;
  else process.env.CAIRN_TOOL_BROKER = saved;
});

for (const launcher of ['broker', 'direct'] as const) {
  describe(`tools started ${launcher === 'broker' ? 'from the bash broker' : 'by this process'}`, () => {
    const use = (): void => {
      process.env.CAIRN_TOOL_BROKER = launcher === 'broker' ? '1' : '0';
      expect(toolLauncher()).toBe(launcher);
    };

    it('passes input through and reports exit status 0', async () => {
      use();
      const data = Buffer.alloc(3 * 1024 * 1024 + 17, 'cairn ');
      const job = startTool('cat', []);
      job.stdin.end(data);
      const { out } = await readAll(job);
      expect(out.equals(data)).toBe(true);
      expect(await job.exited).toEqual({ code: 0, signal: null });
      expect(job.ended).toBe(true);
    });

    it('reports a failing exit status and what the tool said on stderr', async () => {
      use();
      const job = startTool('gzip', ['-d', '-c']);
      job.stdin.end(Buffer.from('not gzip data'));
      const { out, err } = await readAll(job);
      expect(out.length).toBe(0);
      expect(err).toMatch(/not in gzip format/);
      expect((await job.exited).code).toBe(1);
    });

    it('reports a command that is not on PATH as an error', async () => {
      use();
      const job = startTool('cairn-no-such-tool', []);
      job.stdin.end();
      await readAll(job);
      const exit = await job.exited;
      expect(exit.code).toBeNull();
      expect(exit.error?.message).toMatch(/ENOENT/);
    });

    it('kill() ends a tool that would write for ever', async () => {
      use();
      const job = startTool('yes', ['cairn']);
      job.stdin.end();
      let seen = 0;
      for await (const chunk of job.stdout) {
        seen += (chunk as Buffer).length;
        if (seen > 1 << 20) break;
      }
      job.kill();
      const exit = await job.exited;
      expect(exit.code === 0).toBe(false);
      expect(job.ended).toBe(true);
    });

    it('runs more jobs than a broker has slots, and a later job ends while an earlier one still runs', async () => {
      use();
      // The first job stays open (its input not ended) while the others run to the end: each must
      // see its end of output without waiting for it (no job holds another's sockets).
      const first = startTool('cat', []);
      const firstOut = readAll(first);
      for (let k = 0; k < BROKER_SLOTS + 3; k++) {
        const job = startTool('cat', []);
        job.stdin.end(`job ${k}\n`);
        expect((await readAll(job)).out.toString()).toBe(`job ${k}\n`);
        expect((await job.exited).code).toBe(0);
      }
      first.stdin.end('first\n');
      expect((await firstOut).out.toString()).toBe('first\n');
      expect((await first.exited).code).toBe(0);
    });
  });
}

describe('the tool broker', () => {
  it('refuses a command or an argument that is not a plain word', () => {
    process.env.CAIRN_TOOL_BROKER = '1';
    expect(() => startTool('cat', ['$(touch x)'])).toThrow(/plain word/);
    expect(() => startTool('cat; true', [])).toThrow(/plain word/);
  });

  it('runs no start-up file named by BASH_ENV', async () => {
    process.env.CAIRN_TOOL_BROKER = '1';
    const dir = mkdtempSync(join(tmpdir(), 'cairn-broker-'));
    const savedEnv = process.env.BASH_ENV;
    try {
      writeFileSync(join(dir, 'env.sh'), 'echo 0 99\nexit 3\n');
      process.env.BASH_ENV = join(dir, 'env.sh');
      // Enough jobs that at least one broker starts with BASH_ENV set.
      for (let k = 0; k <= BROKER_SLOTS; k++) {
        const job = startTool('cat', []);
        job.stdin.end('x');
        expect((await readAll(job)).out.toString()).toBe('x');
        expect(await job.exited).toEqual({ code: 0, signal: null });
      }
    } finally {
      if (savedEnv === undefined) delete process.env.BASH_ENV;
      else process.env.BASH_ENV = savedEnv;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('does not keep the process alive once its jobs are done', () => {
    // From dist/ (built before the suite): a plain node process, as the CLI runs it.
    const module = fileURLToPath(new URL('../../dist/mrt/tool-broker.js', import.meta.url));
    const script = `
      const { startTool } = await import(${JSON.stringify(module)});
      const job = startTool('cat', []);
      job.stdin.end('x');
      for await (const chunk of job.stdout) process.stdout.write(chunk);
      const exit = await job.exited;
      process.stdout.write(' ' + exit.code);
    `;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 20_000,
      env: { ...process.env, CAIRN_TOOL_BROKER: '1' },
    });
    expect(run.error).toBeUndefined();
    expect(run.stdout).toBe('x 0');
    expect(run.status).toBe(0);
  });
});
