import { createServer, type IncomingMessage } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertPublisher, BgpTestSpeaker, parseCollectorConfig } from '../src/bgp/collector/index.js';
import { AlertJson, readCollectorConfig, startCollect } from '../src/app/index.js';
import { captureIo } from '../src/cli/io.js';
import { runCli } from '../src/cli/program.js';
import { CairnError } from '../src/errors/index.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-collect-cli-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A loopback HTTP server that records the JSON bodies POSTed to it. */
async function webhookServer(status = 204): Promise<{ url: string; bodies: unknown[] }> {
  const bodies: unknown[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      expect(req.method).toBe('POST');
      expect(req.headers['content-type']).toBe('application/json');
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.statusCode = status;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return { url: `http://127.0.0.1:${address.port}/alerts`, bodies };
}

function lines(): { stream: Writable; lines: string[] } {
  const out: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      out.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { stream, lines: out };
}

/** Polls `test`; fails with `what` after `ms` (a bound on a failure, not a timing assertion). */
async function until(test: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('collector configuration', () => {
  const valid = {
    localAsn: 65000,
    bgpId: '192.0.2.1',
    peers: [{ address: '127.0.0.2', asn: 65001 }],
    outputDirectory: '/tmp/x',
  };

  it('fills secure defaults', () => {
    const config = parseCollectorConfig(valid);
    expect(config.listenAddress).toBe('127.0.0.1');
    expect(config.listenPort).toBe(1179);
    expect(config.rotationMinutes).toBe(5);
    expect(config.holdTime).toBe(90);
    expect(config.peers[0].addPath).toBe(false);
  });

  it.each([
    [{ ...valid, peers: [] }, '$.peers'],
    [{ ...valid, bgpId: '2001:db8::1' }, '$.bgpId'],
    [{ ...valid, holdTime: 2 }, '$.holdTime'],
    [{ ...valid, peers: [{ address: 'not-an-ip', asn: 1 }] }, '$.peers[0].address'],
    [{ ...valid, peers: [{ address: '127.0.0.2', asn: 2 ** 32 }] }, '$.peers[0].asn'],
    [{ ...valid, webhookUrl: 'file:///etc/passwd' }, '$.webhookUrl'],
    [{ ...valid, listenAdress: '0.0.0.0' }, '$'],
    [
      { ...valid, peers: [valid.peers[0], { address: '::ffff:127.0.0.2', asn: 65001 }] },
      '$.peers[1].address',
    ],
  ])('rejects %j at %s', (input, path) => {
    try {
      parseCollectorConfig(input, 'collector.json');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(CairnError);
      expect((error as CairnError).code).toBe('COLLECTOR_BAD_CONFIG');
      expect((error as CairnError).location).toMatchObject({ file: 'collector.json', path });
    }
  });

  it('reads a file and reports JSON errors with the file', () => {
    const dir = tempDir();
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify(valid));
    expect(readCollectorConfig(file).peers[0].asn).toBe(65001);
    writeFileSync(file, '{ nope');
    expect(() => readCollectorConfig(file)).toThrow(/not JSON/);
    expect(() => readCollectorConfig(join(dir, 'missing.json'))).toThrow(CairnError);
  });

  it('cairn collect requires --config, and a bad file is one clear error', async () => {
    const io = captureIo();
    expect(await runCli(['collect'], io)).toBe(1);
    expect(io.err()).toContain('--config');
    const dir = tempDir();
    const file = join(dir, 'c.json');
    writeFileSync(file, '{ nope');
    const bad = captureIo();
    expect(await runCli(['collect', '--config', file], bad)).toBe(2);
    expect(bad.err()).toMatch(/^cairn: .*not JSON/m);
    const tuned = captureIo();
    writeFileSync(file, JSON.stringify(valid));
    expect(await runCli(['collect', '--config', file, '--time-scale', '60'], tuned)).toBe(1);
    expect(tuned.err()).toContain('need a selection');
  });
});

describe('cairn collect runtime', () => {
  it('emits peer-up / peer-down alerts on stdout and to the webhook', async () => {
    const hook = await webhookServer();
    const dir = tempDir();
    const out = lines();
    const config = parseCollectorConfig({
      listenPort: 0,
      localAsn: 65000,
      bgpId: '192.0.2.1',
      peers: [{ address: '127.0.0.2', asn: 65001, description: 'lab router' }],
      outputDirectory: dir,
      webhookUrl: hook.url,
    });
    const runtime = await startCollect({
      config,
      alertOutput: out.stream,
      logger: pino({ level: 'silent' }),
    });
    cleanup.push(() => runtime.stop());
    const s = await BgpTestSpeaker.connect({
      host: '127.0.0.1',
      port: runtime.address.port,
      localAddress: '127.0.0.2',
      asn: 65001,
      bgpId: '10.0.0.2',
    });
    await s.establish();
    await until(() => out.lines.length === 1, 'the peer-up alert');
    await s.close();
    await until(() => out.lines.length === 2, 'the peer-down alert');
    await runtime.stop();
    const alerts = out.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(alerts.map((a) => a.kind)).toEqual(['peer-up', 'peer-down']);
    for (const alert of alerts) AlertJson.parse(alert);
    expect(alerts[0]).toMatchObject({ peer: '127.0.0.2', peerAsn: 65001, description: 'lab router' });
    expect(alerts[1]).toMatchObject({ state: 'Idle' });
    expect(hook.bodies).toEqual(alerts);
  });

  it('a failing webhook is counted and logged, never thrown, and the queue is bounded', async () => {
    const hook = await webhookServer(500);
    const logs: string[] = [];
    const out = lines();
    const alerts = new AlertPublisher({
      output: out.stream,
      webhookUrl: hook.url,
      maxQueued: 3,
      maxInFlight: 1,
      logger: pino({ level: 'warn' }, { write: (l: string) => void logs.push(l) }),
    });
    for (let i = 0; i < 10; i++) alerts.publish({ kind: 'test', time: new Date(0).toISOString(), i });
    await alerts.idle();
    expect(out.lines.length).toBe(10);
    expect(alerts.stats.dropped).toBe(6);
    expect(alerts.stats.failed).toBe(4);
    expect(alerts.stats.delivered).toBe(0);
    expect(hook.bodies.map((b) => (b as { i: number }).i)).toEqual([0, 7, 8, 9]);
    expect(logs.some((l) => l.includes('HTTP 500'))).toBe(true);
  });
});
