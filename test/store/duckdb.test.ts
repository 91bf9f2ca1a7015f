// The store contract over DuckDB, then what only a file-backed store has: a database made by the
// previous schema version, damaged files, a schema from a newer cairn, the default place.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CairnError } from '../../src/errors/index.js';
import { DuckDbStore, SCHEMA_VERSION, defaultStorePath, type CairnStore } from '../../src/store/index.js';
import { UNICODE, batch, fileRecord, point, storeSuite } from './suite.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-store-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let count = 0;
const newFile = (): string => path.join(dir, `store-${++count}.duckdb`);

storeSuite('DuckDB', {
  create: () => DuckDbStore.open(newFile()),
  async reopen(store: CairnStore) {
    await store.close();
    return DuckDbStore.open(store.location);
  },
});

async function expectStoreError(file: string, code: string): Promise<CairnError> {
  const error = await DuckDbStore.open(file).then(
    async (store) => {
      // Some damage shows only when the data is read.
      try {
        await store.counts();
        await store.files();
      } finally {
        await store.close().catch(() => undefined);
      }
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CairnError);
  const cairn = error as CairnError;
  expect(cairn.code).toBe(code);
  expect(cairn.location.file).toBe(file);
  expect(cairn.message).toContain(file);
  return cairn;
}

describe('DuckDB store file', () => {
  it('opens a database made by schema version 1 and migrates it, keeping its data', async () => {
    expect(SCHEMA_VERSION).toBe(4);
    const file = newFile();
    const v1 = await DuckDbStore.open(file, { schemaVersion: 1 });
    expect(v1.schemaVersion).toBe(1);
    const written = batch({ bins: [0, 300], visibility: [point('country', 'KP', 0, 4)] });
    expect(await v1.ingestFile(written)).toBe(true);
    await expect(v1.findEvidence('x')).rejects.toBeInstanceOf(CairnError);
    expect(await v1.loadEvidenceIndex()).toBeUndefined();
    expect(await v1.routingView('w', 'country', 'KP')).toBeUndefined();
    await v1.close();

    const current = await DuckDbStore.open(file);
    try {
      expect(current.schemaVersion).toBe(SCHEMA_VERSION);
      expect(await current.files()).toEqual([written.file]);
      expect((await current.visibilitySeries('country', 'KP', 0, 300)).map((p) => p.ipv4Slash24s)).toEqual([
        4, 4,
      ]);
      const intel = fileRecord({ kind: 'intel' });
      expect(await current.importEvidence(intel, [])).toBe(true);
      expect(await current.ingestFile(written)).toBe(false);
      // Routing views: replaced by world, kind and key; another world's are apart.
      const view = { world: 'w1', kind: 'country', key: 'KP', json: '{"country":"KP","ü":"<script>"}' };
      await current.saveRoutingViews([
        { ...view, json: '{}' },
        { ...view, world: 'w2' },
      ]);
      await current.saveRoutingViews([view]);
      expect(await current.routingView('w1', 'country', 'KP')).toEqual(view);
      expect(await current.routingView('w2', 'country', 'KP')).toEqual({ ...view, world: 'w2' });
      expect(await current.routingView('w1', 'country', 'CN')).toBeUndefined();
      const index = { inputs: [], format: 1, builtAt: 0, text: '{}' };
      await current.saveEvidenceIndex(index);
      expect(await current.loadEvidenceIndex()).toEqual(index);
    } finally {
      await current.close();
    }
  });

  it('refuses a database from a newer cairn, naming the file', async () => {
    const file = newFile();
    const store = await DuckDbStore.open(file);
    await store.close();
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const instance = await DuckDBInstance.create(file);
    const connection = await instance.connect();
    await connection.run(`INSERT INTO schema_version VALUES (${SCHEMA_VERSION + 1}, 'from the future')`);
    connection.closeSync();
    instance.closeSync();
    await expectStoreError(file, 'STORE_TOO_NEW');
  });

  it('gives STORE_CORRUPT naming the file for a file that is not a database', async () => {
    const file = newFile();
    fs.writeFileSync(file, `not a database ${UNICODE}\n`.repeat(1000));
    await expectStoreError(file, 'STORE_CORRUPT');
  });

  it('gives STORE_CORRUPT naming the file for a truncated database, at every cut', async () => {
    const file = newFile();
    const store = await DuckDbStore.open(file);
    await store.ingestFile(
      batch({
        bins: Array.from({ length: 50 }, (_, i) => i * 300),
        visibility: Array.from({ length: 5000 }, (_, i) =>
          point('prefix', `10.${i >> 8}.${i & 255}.0/24`, 0, 1),
        ),
      }),
    );
    await store.close();
    const bytes = fs.readFileSync(file);
    expect(bytes.length).toBeGreaterThan(20_000);
    for (const cut of [
      8,
      100,
      4096,
      4096 + 100,
      8192 + 10,
      12288 + 100,
      Math.floor(bytes.length / 2),
      bytes.length - 100,
    ]) {
      const truncated = newFile();
      fs.writeFileSync(truncated, bytes.subarray(0, cut));
      await expectStoreError(truncated, 'STORE_CORRUPT');
    }
  });

  it('gives STORE_CANNOT_OPEN naming the path when its folder does not exist', async () => {
    const file = path.join(dir, 'no-such-folder', 'x.duckdb');
    await expectStoreError(file, 'STORE_CANNOT_OPEN');
  });

  it('gives STORE_LOCKED naming the file while another process writes to it', async () => {
    const file = newFile();
    await (await DuckDbStore.open(file)).close();
    const holder = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { DuckDBInstance } from '@duckdb/node-api';
         const db = await DuckDBInstance.create(process.argv[1]);
         await db.connect();
         process.stdout.write('open\\n');
         setInterval(() => {}, 1000);`,
        file,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.on('data', () => resolve());
        holder.on('exit', (code) => reject(new Error(`the holder exited (${code}) before opening ${file}`)));
      });
      await expectStoreError(file, 'STORE_LOCKED');
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('refuses calls after close', async () => {
    const store = await DuckDbStore.open(newFile());
    await store.close();
    await expect(store.files()).rejects.toMatchObject({ code: 'STORE_CLOSED' });
  });

  it('lives in $CAIRN_DB, else under $XDG_DATA_HOME, else ~/.local/share', () => {
    expect(defaultStorePath({ CAIRN_DB: '/x/y.duckdb' }, '/home/a')).toBe('/x/y.duckdb');
    expect(defaultStorePath({ XDG_DATA_HOME: '/data' }, '/home/a')).toBe('/data/cairn/cairn.duckdb');
    expect(defaultStorePath({}, '/home/a')).toBe('/home/a/.local/share/cairn/cairn.duckdb');
  });
});
