/**
 * A case argument written as a path is checked before the corpus or the store's evidence is read:
 * a missing, unreadable or oversized case file fails with its own error even when the corpus
 * itself would fail to load, and that error is the one the same case gives with a good corpus.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  intelAttribute,
  intelExportMisp,
  intelExportStix,
  intelShow,
  intelSimilar,
  setInputLimits,
  type IntelCaseInput,
} from '../src/app/index.js';
import { CairnError } from '../src/errors/index.js';

/** Each question that takes a case, asked of `input`. */
const QUESTIONS: Record<string, (input: IntelCaseInput) => Promise<unknown>> = {
  show: (input) => intelShow(input),
  similar: (input) => intelSimilar(input),
  attribute: (input) => intelAttribute(input),
  'export stix': (input) => intelExportStix(input, new PassThrough().resume()),
  'export misp': (input) => intelExportMisp(input, new PassThrough().resume()),
};

/** The CairnError `work` fails with, as code and message. */
async function failure(work: Promise<unknown>): Promise<{ code: string; message: string }> {
  const error: unknown = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected a CairnError').toBeInstanceOf(CairnError);
  const { code, message } = error as CairnError;
  return { code, message };
}

let dir: string;
let goodCorpus: string;
let goodCase: string;
let missingCorpus: string;
let missingStore: string;
const bad: Record<string, string> = {};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-case-first-'));
  goodCorpus = join(dir, 'corpus');
  mkdirSync(goodCorpus);
  writeFileSync(join(goodCorpus, 'known.csv'), 'type,value\nipv4,192.0.2.7\ndomain,example.org\n');
  goodCase = join(dir, 'query.csv');
  writeFileSync(goodCase, 'type,value\nipv4,192.0.2.7\n');
  missingCorpus = join(dir, 'no-corpus-here');
  missingStore = join(dir, 'no-store-here', 'cairn.duckdb');
  bad.missing = join(dir, 'missing.json');
  bad.directory = join(dir, 'folder');
  mkdirSync(bad.directory);
  bad.FIFO = join(dir, 'fifo');
  execFileSync('mkfifo', [bad.FIFO]);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a bad case file fails before the corpus is read', () => {
  it('the corpus used below does fail to load, with its own error', async () => {
    for (const ask of Object.values(QUESTIONS)) {
      const { code } = await failure(ask({ case: goodCase, corpus: [missingCorpus] }));
      expect(code).toBe('INTEL_NO_CORPUS');
    }
  });

  for (const kind of ['missing', 'directory', 'FIFO']) {
    it(`a ${kind} case: the case's error, as with a good corpus, not the corpus's`, async () => {
      const file = bad[kind];
      for (const [question, ask] of Object.entries(QUESTIONS)) {
        const withGood = await failure(ask({ case: file, corpus: [goodCorpus] }));
        const withBad = await failure(ask({ case: file, corpus: [missingCorpus] }));
        expect(withBad, `${question} ${kind}`).toEqual(withGood);
        expect(withBad.message, `${question} ${kind}`).toContain(file);
        expect(withBad.code, `${question} ${kind}`).toBe(
          kind === 'missing' ? 'INTEL_UNKNOWN_CASE' : 'INPUT_NOT_A_FILE',
        );
      }
    });
  }

  it('a case over the size limit fails before a corpus over it too', async () => {
    const previous = setInputLimits({ maxBytes: 8 });
    try {
      for (const [question, ask] of Object.entries(QUESTIONS)) {
        const { code, message } = await failure(ask({ case: goodCase, corpus: [goodCorpus] }));
        expect(code, question).toBe('INPUT_TOO_LARGE');
        expect(message, question).toContain(`case file ${goodCase}`);
      }
    } finally {
      setInputLimits(previous);
    }
  });

  it("a bad case fails before a store's evidence is opened", async () => {
    const store = await failure(intelShow({ case: goodCase, db: missingStore }));
    expect(store.code).toBe('STORE_NOT_FOUND');
    for (const kind of ['directory', 'FIFO']) {
      const file = bad[kind];
      for (const [question, ask] of Object.entries(QUESTIONS)) {
        const withGood = await failure(ask({ case: file, corpus: [goodCorpus] }));
        expect(await failure(ask({ case: file, db: missingStore })), `${question} ${kind}`).toEqual(withGood);
      }
    }
    // A store may know a case by the path of a file it read that is gone since: the store decides.
    expect((await failure(intelShow({ case: bad.missing, db: missingStore }))).code).toBe(store.code);
  });

  it('a good case file is answered as before', async () => {
    const shown = await intelShow({ case: goodCase, corpus: [goodCorpus] });
    expect(shown.indicators.map((i) => i.value)).toEqual(['192.0.2.7']);
    const similar = await intelSimilar({ case: goodCase, corpus: [goodCorpus] });
    expect(similar.result.similar.map((s) => s.name)).toContain('known');
  });
});
