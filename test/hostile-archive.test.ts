/**
 * The collector's archive survives crashes (issue 18, point 2): a `cairn collect` child process is
 * killed with SIGKILL 20 times at seeded random points of an UPDATE flood from a test speaker on
 * loopback, and restarted each time. Afterwards every archive is a sequence of complete gzip
 * members (gzip -t), bgpdump and cairn read the same elements from it, everything that was in a
 * complete member on disk just before each kill is still there byte for byte, and each round's
 * archived updates are exactly the first n it sent, in order.
 *
 * Needs the build (`npm run build`): it runs dist/cli/main.js, the binary users run.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BgpTestSpeaker } from '../src/bgp/collector/index.js';
import { readElements, scanGzipMembers } from '../src/mrt/index.js';
import { prng } from './fixtures/prng.js';

const ROOT = join(import.meta.dirname, '..');
const MAIN = join(ROOT, 'dist/cli/main.js');
const PEER = { address: '127.0.0.2', asn: 65001 };
const KILLS = 20;
const SEED = 18;

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

interface Child {
  process: ChildProcess;
  port: number;
  logs: Record<string, unknown>[];
  exited: Promise<number | null>;
}

async function startChild(config: string): Promise<Child> {
  const child = spawn(process.execPath, [MAIN, 'collect', '--config', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  cleanup.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const logs: Record<string, unknown>[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let rest = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('gave up after 30 s waiting for: collector listening')),
      30_000,
    );
    child.stderr!.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop()!;
      for (const line of lines) {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry.msg === 'collector listening') {
          clearTimeout(timer);
          resolve(entry.port as number);
        }
      }
    });
    void exited.then((code) => reject(new Error(`collector exited (${code}) before listening`)));
  });
  return { process: child, port, logs, exited };
}

function prefixOf(round: number, i: number): string {
  return `10.${round}.${(i >> 8) & 255}.${i & 255}/32`;
}

function announce(prefix: string): Parameters<BgpTestSpeaker['sendUpdate']>[0] {
  return {
    announced: [{ afi: 1, safi: 1, prefixes: [{ prefix }] }],
    attributes: { origin: 'IGP', asPath: [{ kind: 'sequence', asns: [PEER.asn] }], nextHop: PEER.address },
  };
}

async function connectPeer(port: number): Promise<BgpTestSpeaker> {
  const s = await BgpTestSpeaker.connect({
    host: '127.0.0.1',
    port,
    localAddress: PEER.address,
    asn: PEER.asn,
    bgpId: '10.0.0.2',
    answerKeepalives: true,
  });
  cleanup.push(() => void s.socket.destroy());
  await s.establish();
  return s;
}

/** Sends round `round`'s updates `from` up to `to` (100 to a write); returns how far it got. */
async function flood(peer: BgpTestSpeaker, round: number, from: number, to: number): Promise<number> {
  let i = from;
  while (i < to && !peer.isClosed) {
    const end = Math.min(to, i + 100);
    const batch: Parameters<BgpTestSpeaker['sendUpdate']>[0][] = [];
    while (i < end) batch.push(announce(prefixOf(round, i++)));
    await peer.sendUpdates(batch);
  }
  return i;
}

function archives(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.gz'))
    .sort()
    .map((f) => join(dir, f));
}

async function announcedPrefixes(file: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of readElements(file, { strict: true })) if (e.type === 'A') out.push(e.prefix!);
  return out;
}

/** What a poll has read of one archive: its complete members so far and their announced prefixes. */
interface ReadArchive {
  bytes: Buffer;
  prefixes: string[];
}
const readArchives = new Map<string, ReadArchive>();
// The worker runs other files after this one (isolate: false): it does not keep what was read.
afterAll(() => readArchives.clear());

/**
 * The announced prefixes in the complete gzip members of every archive (copied aside to read).
 * Polled every 50 ms while the archives grow, so only the members added since the last poll are
 * read: a file whose start no longer matches what was read (cut back or moved aside and begun
 * again) is read again whole. Members end on record boundaries, so a run of them reads alone.
 */
async function flushedPrefixes(out: string, dir: string): Promise<string[]> {
  const prefixes: string[] = [];
  if (!existsSync(out)) return prefixes;
  for (const file of archives(out)) {
    const bytes = readFileSync(file);
    let read = readArchives.get(file);
    if (
      read === undefined ||
      bytes.length < read.bytes.length ||
      !bytes.subarray(0, read.bytes.length).equals(read.bytes)
    )
      read = { bytes: Buffer.alloc(0), prefixes: [] };
    const from = read.bytes.length;
    const complete = from + scanGzipMembers(bytes.subarray(from)).completeBytes;
    if (complete > from) {
      const copy = join(dir, 'flushed.gz');
      writeFileSync(copy, bytes.subarray(from, complete));
      read = {
        bytes: bytes.subarray(0, complete),
        prefixes: [...read.prefixes, ...(await announcedPrefixes(copy))],
      };
    }
    readArchives.set(file, read);
    for (const prefix of read.prefixes) prefixes.push(prefix);
  }
  return prefixes;
}

async function until(test: () => Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`gave up after ${ms} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// No timeout of its own: the project's hang bound applies (its waits are bounded and say for what).
describe('archive crash safety', () => {
  it(`keeps every flushed record through ${KILLS} SIGKILLs during a flood, nothing unreadable`, async () => {
    expect(existsSync(MAIN), 'dist/cli/main.js: run `npm run build` first').toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'cairn-hostile-archive-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const out = join(dir, 'mrt');
    const config = join(dir, 'collector.json');
    writeFileSync(
      config,
      JSON.stringify({
        listenPort: 0,
        localAsn: 65000,
        bgpId: '192.0.2.1',
        peers: [PEER],
        outputDirectory: out,
        rotationMinutes: 60,
        // A flush (a complete gzip member) every 100 ms rather than every second: more members for
        // the kills to land between, and less waiting for each round's first one.
        flushSeconds: 0.1,
        logLevel: 'info',
      }),
    );
    const next = prng(SEED);
    const sent: number[] = [];
    /** Per kill: the bytes of each archive that were complete gzip members just before it. */
    const flushed: { kill: number; file: string; bytes: Buffer }[] = [];
    const repairs: Record<string, unknown>[] = [];

    for (let round = 0; round < KILLS; round++) {
      const child = await startChild(config);
      const peer = await connectPeer(child.port);
      // Flood until a seeded number of updates has gone out, then kill mid-stream.
      const killAt = 1000 + Math.floor(next() * 15_000);
      let i = await flood(peer, round, 0, killAt);
      // However fast the machine, wait for this round's first flushed member (the flush timer's
      // work), then keep sending, so the kill lands mid-stream behind records already on disk.
      await until(
        async () => (await flushedPrefixes(out, dir)).some((p) => p.startsWith(`10.${round}.`)),
        `a complete member with round ${round}'s updates before its kill`,
        600_000,
      );
      const more = i + 200 + Math.floor(next() * 2000);
      i = await flood(peer, round, i, more);
      sent.push(i);
      if (existsSync(out)) {
        for (const file of archives(out)) {
          const bytes = readFileSync(file);
          flushed.push({ kill: round, file, bytes: bytes.subarray(0, scanGzipMembers(bytes).completeBytes) });
        }
      }
      child.process.kill('SIGKILL');
      await child.exited;
      // Whether a kill lands inside a member's write depends on the machine's speed; every fourth
      // round also leaves what such a kill leaves (the first half of a member at the end), so the
      // restart's cut is always exercised. Not behind a member the kill already cut: no crash
      // leaves two, since every restart cuts the last before it appends.
      const last = archives(out).at(-1)!;
      if (round % 4 === 1 && scanGzipMembers(readFileSync(last)).problem === undefined) {
        const member = gzipSync(Buffer.from(`a record cut by kill ${round}`));
        appendFileSync(last, member.subarray(0, member.length >> 1));
      }
      repairs.push(...child.logs.filter((l) => l.code === 'MRT_ARCHIVE_REPAIRED'));
    }
    // A last, clean run: it repairs what the last kill left, then stops on SIGINT.
    const last = await startChild(config);
    const peer = await connectPeer(last.port);
    for (let i = 0; i < 100; i++) await peer.sendUpdate(announce(prefixOf(KILLS, i)));
    sent.push(100);
    // The collector ends its sessions on SIGINT: first wait until all 100 are in flushed members.
    await until(
      async () =>
        (await flushedPrefixes(out, dir)).filter((p) => p.startsWith(`10.${KILLS}.`)).length === 100,
      'the clean run’s 100 updates in complete members on disk',
    );
    last.process.kill('SIGINT');
    expect(await last.exited).toBe(0);
    repairs.push(...last.logs.filter((l) => l.code === 'MRT_ARCHIVE_REPAIRED'));
    expect(last.logs.some((l) => l.msg === 'collector stopped')).toBe(true);

    // Every archive: complete members only (gzip -t, our scan), the same elements in bgpdump and cairn.
    const files = archives(out);
    expect(files.length).toBeGreaterThan(0);
    const byRound = new Map<number, string[]>();
    for (const file of files) {
      execFileSync('gzip', ['-t', file]);
      expect(scanGzipMembers(readFileSync(file)).problem, file).toBeUndefined();
      const prefixes = await announcedPrefixes(file);
      const dumped = execFileSync('bgpdump', ['-m', file], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        maxBuffer: 1 << 30,
      })
        .split('\n')
        .filter((l) => l.includes('|A|'))
        .map((l) => l.split('|')[5]);
      expect(dumped).toEqual(prefixes);
      for (const prefix of prefixes) {
        const round = Number(prefix.split('.')[1]);
        if (!byRound.has(round)) byRound.set(round, []);
        byRound.get(round)!.push(prefix);
      }
    }
    // Each round's archived updates are the first n it sent, in order, none twice, none garbled.
    for (let round = 0; round <= KILLS; round++) {
      const got = byRound.get(round) ?? [];
      expect(got.length, `round ${round}`).toBeLessThanOrEqual(sent[round]);
      expect(got, `round ${round}`).toEqual(Array.from({ length: got.length }, (_, i) => prefixOf(round, i)));
    }
    expect(byRound.get(KILLS)).toHaveLength(100);
    // What was in complete members on disk before each kill is still there, byte for byte.
    let checked = 0;
    for (const { kill, file, bytes } of flushed) {
      if (bytes.length === 0) continue;
      const now = readFileSync(file);
      expect(now.subarray(0, bytes.length).equals(bytes), `${file} before kill ${kill}`).toBe(true);
      checked++;
    }
    expect(checked, 'kills that found flushed members on disk').toBeGreaterThan(KILLS / 2);
    // Each repair is logged with what was done; a moved-aside file keeps its name and a suffix.
    for (const repair of repairs) {
      expect(['cut', 'moved']).toContain(repair.action);
      if (repair.action === 'moved') expect(existsSync(repair.movedTo as string)).toBe(true);
    }
    expect(
      repairs.some((r) => r.action === 'cut'),
      'at least one truncated member cut off',
    ).toBe(true);
  });
});
