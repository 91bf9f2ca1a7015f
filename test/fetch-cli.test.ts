// `cairn fetch` in process against a loopback server serving bundled real files under the RIS
// layout: the JSON is the app result as it is, the table lists every file, a 404 is reported on
// stderr with exit code 2 while the other files are fetched, bad options exit 1.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FetchResult } from '../src/app/index.js';
import { captureIo } from '../src/cli/io.js';
import { runCli } from '../src/cli/program.js';
import { startArchiveServer, type ArchiveServer } from './fixtures/archive-server.js';

const data = (rel: string): string => fileURLToPath(new URL(`../data/${rel}`, import.meta.url));
const RRC06 = data('mrt/libbgpstream/ris.rrc06.updates.1427846400.gz');
const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

let server: ArchiveServer;
let dir: string;

beforeAll(async () => {
  server = await startArchiveServer(
    new Map([
      ['/rrc06/2015.04/updates.20150401.0000.gz', RRC06],
      [
        '/rrc15/2010.02/updates.20100227.1600.gz',
        data('mrt/bgpkit/ripe/rrc15/2010.02/updates.20100227.1600.gz'),
      ],
    ]),
  );
  dir = await mkdtemp(path.join(os.tmpdir(), 'cairn-fetch-cli-'));
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const rrc06 = (): string[] => [
  'fetch',
  '--source',
  'ris',
  '--collector',
  'rrc06',
  '--from',
  '2015-04-01T00:00Z',
  '--to',
  '2015-04-01T00:05Z',
  '--kind',
  'updates',
  '--dir',
  dir,
  '--base-url',
  server.baseUrl,
];

describe('cairn fetch', () => {
  it('--json prints the app result; the file is the one served', async () => {
    const io = captureIo();
    expect(await runCli([...rrc06(), '--json'], io)).toBe(0);
    const result = FetchResult.parse(JSON.parse(io.out()));
    expect(result.files).toHaveLength(1);
    expect(result.files[0]).toMatchObject({
      status: 'downloaded',
      verified: true,
      collector: 'rrc06',
      kind: 'updates',
    });
    expect(sha(result.files[0].path)).toBe(sha(RRC06));
    expect(io.err()).toBe('');
  });

  it('the table shows the cached file and the summary', async () => {
    const io = captureIo();
    expect(await runCli(rrc06(), io)).toBe(0);
    const lines = io.out().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^status\s+bytes\s+file$/);
    expect(lines[1]).toMatch(/^cached\s+10\.8 KiB\s+.*ris\/rrc06\/2015\.04\/updates\.20150401\.0000\.gz$/);
    expect(lines[2]).toBe(
      `1 files: 0 downloaded, 1 cached, 0 missing, 0 failed; 0 B received, 10.8 KiB on disk in ${dir}`,
    );
  });

  it('draws a progress bar on a terminal and takes it down at the end', async () => {
    const io = { ...captureIo(), stderrIsTTY: true };
    const args = rrc06().map((a) => (a === dir ? path.join(dir, 'tty') : a));
    expect(await runCli(args, io), io.err()).toBe(0);
    expect(io.err()).toMatch(/fetch \[[^\]]*\] 1\/1 files \| 10\.8 KiB received/);
    expect(io.out()).toMatch(/^1 files: 1 downloaded/m);
  });

  it('a missing file is reported on stderr with exit code 2; the rest is fetched', async () => {
    const io = captureIo();
    const code = await runCli(
      [
        'fetch',
        '--source=ris',
        '-c',
        'rrc15',
        '--from',
        '2010-02-27T16:00',
        '--to',
        '2010-02-27T16:10',
        '--kind',
        'updates',
        '--dir',
        dir,
        '--base-url',
        server.baseUrl,
        '--json',
      ],
      io,
    );
    expect(code).toBe(2);
    const result = FetchResult.parse(JSON.parse(io.out()));
    expect(result.files.map((f) => f.status)).toEqual(['downloaded', 'missing']);
    expect(io.err()).toBe(
      `cairn: FETCH_NOT_FOUND: HTTP 404 Not Found (${server.baseUrl}/rrc15/2010.02/updates.20100227.1605.gz)\n`,
    );
  });

  it('bad options exit 1 with one line naming the problem, before any request', async () => {
    const before = server.requests.length;
    const cases: [string[], RegExp][] = [
      [[...rrc06(), '--kind', 'bviews'], /CLI_BAD_OPTION: --kind takes ribs, updates or both/],
      [[...rrc06(), '--concurrency', '0'], /CLI_BAD_OPTION: --concurrency must be an integer from 1 to 64/],
      [[...rrc06(), '--from', 'last tuesday'], /FETCH_BAD_OPTION: --from "last tuesday" is not an ISO 8601/],
      [
        [...rrc06(), '--collector', '../../etc'],
        /FETCH_BAD_OPTION: RIS collector "\.\.\/\.\.\/etc" is not rrcNN/,
      ],
      [
        [...rrc06(), '--base-url', 'file:///etc/passwd'],
        /FETCH_BAD_OPTION: base URL "file:\/\/\/etc\/passwd" is not http or https/,
      ],
      [['fetch', '--collector', 'rrc00'], /required option '--source <source>' not specified/],
      [['fetch', '--source', 'bgpstream'], /argument 'bgpstream' is invalid/],
    ];
    for (const [args, message] of cases) {
      const io = captureIo();
      expect(await runCli(args, io), args.join(' ')).toBe(1);
      expect(io.err()).toMatch(message);
      expect(io.out()).toBe('');
    }
    expect(server.requests.length).toBe(before);
  });
});
