/**
 * The store contract: one suite every CairnStore implementation passes (as Hono runs one router
 * suite over each router). It knows the interface only: an implementation hands it a factory of
 * fresh, empty stores and a way to reopen one (to show that what was written survives).
 *
 * The records here are synthetic, made by this file to exercise the contract's edges (empty
 * ranges, a prefix seen by no peer, an actor with no evidence, unicode in every string field, the
 * same file twice); real data goes through the store in test/store/ingest tests.
 */
import { describe, expect, it } from 'vitest';
import type { AchCase, Actor, Case, EvidenceObject, Indicator, Relationship } from '../../src/intel/index.js';
import type { OutageEvent } from '../../src/observatory/index.js';
import type {
  CairnStore,
  DependencySnapshot,
  FileBatch,
  FileRecord,
  OutageRecord,
  VisibilityPoint,
} from '../../src/store/index.js';

export interface StoreFactory {
  /** A fresh, empty store. */
  create(): Promise<CairnStore>;
  /** Closes `store` and opens the same store again. */
  reopen(store: CairnStore): Promise<CairnStore>;
}

/** Text with combining marks, an astral emoji, right-to-left script and CJK. */
export const UNICODE = 'Pyongyang 평양 Ἀθῆναι e\u0301 😀 مرحبا 北京';

let hashCounter = 0;

export function fileRecord(overrides: Partial<FileRecord> = {}): FileRecord {
  hashCounter++;
  return {
    hash: `synthetic-${hashCounter.toString(16).padStart(8, '0')}`,
    kind: 'mrt',
    path: `/synthetic/updates.${hashCounter}.gz`,
    size: 1000 + hashCounter,
    firstTime: 0,
    lastTime: 299,
    records: 10,
    problemCount: 0,
    problems: [],
    ingestedAt: 1_700_000_000,
    ...overrides,
  };
}

export function batch(overrides: Partial<FileBatch> = {}): FileBatch {
  return {
    file: fileRecord(),
    bins: [],
    visibility: [],
    dependency: [],
    changes: [],
    outages: [],
    resets: [],
    ...overrides,
  };
}

export function point(
  scope: VisibilityPoint['scope'],
  key: string,
  binStart: number,
  ipv4Slash24s: number,
  peers = 3,
): VisibilityPoint {
  return { scope, key, binStart, ipv4Slash24s, ipv6Slash48s: 0, prefixes: Math.ceil(ipv4Slash24s), peers };
}

function outageEvent(start: number, end: number | undefined, prefixes: string[]): OutageEvent {
  return {
    id: 1,
    start,
    end,
    duration: end === undefined ? 600 : end - start,
    endReason: end === undefined ? undefined : 'recovered',
    knownUntil: end ?? start + 600,
    status: end === undefined ? `open: input ended at ${start + 600}` : `recovered at ${end}`,
    startWindow: { from: start, to: start + 20 },
    endWindow: end === undefined ? undefined : { from: end - 20, to: end },
    coverage: { fullFeedPeers: 3, peersLost: 3, peersKept: 0 },
    noData: [],
    startBin: Math.floor(start / 300) * 300,
    endBin: end === undefined ? undefined : Math.floor(end / 300) * 300,
    open: end === undefined,
    baseline: 4,
    minimum: 0,
    lostShare: 1,
    unit: 'ipv4-slash24',
    level: 'critical',
    classification: end === undefined ? 'outage' : 'sustained-outage',
    extent: 'full',
    currentLevel: 'critical',
    currentExtent: 'full',
    currentLostShare: end === undefined ? 1 : 0,
    severity: 3600,
    prefixes,
    origins: [131279],
    firstLost: [
      {
        peerId: 0,
        peerAsn: 3856,
        peerAddress: '206.220.231.55',
        time: start,
        prefix: prefixes[0],
        upstream: 4837,
        byPeerDown: false,
      },
    ],
    upstreams: [{ asn: 4837, routesLost: 4 }],
    cause: 'upstream-path-loss',
    causeEvidence: UNICODE,
  };
}

const provenance = (objectId: string) => ({ file: `intel/${UNICODE}.json`, objectId });

function indicator(id: string, value: string, caseIds: string[]): Indicator {
  return {
    kind: 'indicator',
    id,
    provenance: provenance(id),
    confidence: 50,
    confidenceStated: false,
    type: 'domain',
    value,
    original: value.toUpperCase(),
    comment: UNICODE,
    caseIds,
    reportIds: [],
    labels: [UNICODE],
  };
}

function caseObject(id: string): Case {
  return {
    kind: 'case',
    id,
    provenance: provenance(id),
    confidence: 80,
    confidenceStated: true,
    caseKind: 'incident',
    name: `incident ${UNICODE}`,
    description: UNICODE,
    aliases: [UNICODE],
    labels: [],
    actorLabels: [],
    techniqueIds: ['T1059'],
    externalIds: [],
    revoked: false,
    deprecated: false,
  };
}

function actor(id: string, name: string): Actor {
  return {
    kind: 'actor',
    id,
    provenance: provenance(id),
    confidence: 50,
    confidenceStated: false,
    name,
    aliases: [UNICODE],
    externalIds: [],
    revoked: false,
    deprecated: false,
  };
}

function attributedTo(id: string, caseId: string, actorId: string): Relationship {
  return {
    kind: 'relationship',
    id,
    provenance: provenance(id),
    confidence: 50,
    confidenceStated: false,
    type: 'attributed-to',
    sourceRef: caseId,
    targetRef: actorId,
    revoked: false,
    deprecated: false,
  };
}

function achCase(id: string, title: string): AchCase {
  return {
    schema: 'cairn.ach/1',
    id,
    title,
    question: UNICODE,
    hypotheses: [
      { id: 'h1', title: `state actor ${UNICODE}` },
      { id: 'h2', title: 'insider' },
    ],
    evidence: [
      {
        id: 'e1',
        title: UNICODE,
        credibility: 'high',
        relevance: 'medium',
        ratings: { h1: 'C', h2: 'I' },
        sources: [{ kind: 'report', title: UNICODE, says: UNICODE }],
      },
    ],
  };
}

/** Runs the contract over the stores `factory` makes. */
export function storeSuite(name: string, factory: StoreFactory): void {
  const withStore = async (test: (store: CairnStore) => Promise<CairnStore | void>): Promise<void> => {
    let store = await factory.create();
    try {
      store = (await test(store)) ?? store;
    } finally {
      await store.close();
    }
  };

  describe(`store contract: ${name}`, () => {
    it('an empty store answers every query with nothing', () =>
      withStore(async (store) => {
        expect(await store.files()).toEqual([]);
        expect(await store.timeRange()).toBeUndefined();
        expect(await store.visibilitySeries('country', 'KP', 0, 1e10)).toEqual([]);
        expect(await store.dependencyAt('KP', 1e10)).toBeUndefined();
        expect(await store.dependencySeries('KP', 0, 1e10)).toEqual([]);
        expect(await store.outages()).toEqual([]);
        expect(await store.prefixChanges()).toEqual([]);
        expect(await store.sessionResets(0, 1e10)).toEqual([]);
        expect(await store.findEvidence('example.com')).toEqual([]);
        expect(await store.achCase('none')).toBeUndefined();
        expect(await store.counts()).toEqual({
          files: 0,
          bins: 0,
          visibilityPoints: 0,
          dependencySnapshots: 0,
          changes: 0,
          outages: 0,
          resets: 0,
          evidence: 0,
          achCases: 0,
        });
      }));

    it('records a file once: the same hash again adds nothing', () =>
      withStore(async (store) => {
        const first = batch({
          file: fileRecord({ path: `/data/${UNICODE}/updates.gz`, problemCount: 1, problems: [UNICODE] }),
          bins: [0],
          visibility: [point('country', 'KP', 0, 4)],
        });
        expect(await store.ingestFile(first)).toBe(true);
        const before = await store.counts();
        expect(await store.ingestFile(first)).toBe(false);
        expect(await store.ingestFile({ ...first, visibility: [point('country', 'KP', 0, 99)] })).toBe(false);
        expect(await store.counts()).toEqual(before);
        expect(await store.hasFile(first.file.hash)).toBe(true);
        expect(await store.hasFile('no-such-hash')).toBe(false);
        expect(await store.hasFiles([first.file.hash, 'no-such-hash', first.file.hash])).toEqual(
          new Set([first.file.hash]),
        );
        expect(await store.hasFiles([])).toEqual(new Set());
        expect(await store.files()).toEqual([first.file]);
        expect(await store.files('registry')).toEqual([]);
        expect(await store.fileCounts(first.file.hash)).toEqual({
          files: 1,
          bins: 1,
          visibilityPoints: 1,
          dependencySnapshots: 0,
          changes: 0,
          outages: 0,
          resets: 0,
          evidence: 0,
          achCases: 0,
        });
        expect(await store.fileCounts('no-such-hash')).toBeUndefined();
        expect((await store.visibilitySeries('country', 'KP', 0, 0))[0].ipv4Slash24s).toBe(4);
      }));

    it('keeps files in ingest order and survives a reopen', async () => {
      let store = await factory.create();
      try {
        const a = batch({ bins: [0], visibility: [point('asn', '131279', 0, 4)] });
        const b = batch({
          file: fileRecord({ kind: 'registry', firstTime: undefined, lastTime: undefined }),
        });
        await store.ingestFile(a);
        await store.ingestFile(b);
        store = await factory.reopen(store);
        expect(await store.files()).toEqual([a.file, b.file]);
        expect(await store.visibilitySeries('asn', '131279', 0, 300)).toHaveLength(1);
      } finally {
        await store.close();
      }
    });

    it('fills a visibility series over the ingested bins, carrying the last value forward', () =>
      withStore(async (store) => {
        await store.ingestFile(
          batch({
            bins: [0, 300],
            visibility: [point('country', 'KP', 0, 4), point('country', 'CN', 0, 1000)],
          }),
        );
        await store.ingestFile(batch({ bins: [600, 900], visibility: [point('country', 'KP', 600, 0, 0)] }));
        const series = await store.visibilitySeries('country', 'KP', 0, 900);
        expect(series.map((p) => [p.binStart, p.ipv4Slash24s, p.peers])).toEqual([
          [0, 4, 3],
          [300, 4, 3],
          [600, 0, 0],
          [900, 0, 0],
        ]);
        // A range starting between points carries the value from before it.
        expect((await store.visibilitySeries('country', 'KP', 300, 300)).map((p) => p.ipv4Slash24s)).toEqual([
          4,
        ]);
        // Empty and inverted ranges, ranges with no bin, keys never seen.
        expect(await store.visibilitySeries('country', 'KP', 901, 1e9)).toEqual([]);
        expect(await store.visibilitySeries('country', 'KP', 900, 0)).toEqual([]);
        expect(await store.visibilitySeries('country', 'KR', 0, 900)).toEqual([]);
        expect(await store.visibilitySeries('asn', 'KP', 0, 900)).toEqual([]);
        expect((await store.visibilitySeries('country', 'CN', 0, 900)).map((p) => p.ipv4Slash24s)).toEqual([
          1000, 1000, 1000, 1000,
        ]);
        expect(await store.timeRange()).toEqual({ first: 0, last: 900 });
      }));

    it('keeps a prefix seen by no peer as a point with no peers and no space', () =>
      withStore(async (store) => {
        const unseen: VisibilityPoint = {
          scope: 'prefix',
          key: '175.45.178.0/24',
          binStart: 300,
          ipv4Slash24s: 0,
          ipv6Slash48s: 0,
          prefixes: 0,
          peers: 0,
        };
        await store.ingestFile(
          batch({ bins: [0, 300], visibility: [point('prefix', '175.45.178.0/24', 0, 1), unseen] }),
        );
        expect(await store.visibilitySeries('prefix', '175.45.178.0/24', 300, 300)).toEqual([unseen]);
        expect(await store.visibilitySeries('prefix', '175.45.179.0/24', 0, 300)).toEqual([]);
      }));

    it('lets the later file win when two files write the same bin', () =>
      withStore(async (store) => {
        await store.ingestFile(batch({ bins: [0], visibility: [point('country', 'KP', 0, 4)] }));
        await store.ingestFile(batch({ bins: [0], visibility: [point('country', 'KP', 0, 2)] }));
        expect((await store.visibilitySeries('country', 'KP', 0, 0)).map((p) => p.ipv4Slash24s)).toEqual([2]);
      }));

    it('answers the dependency of a country at a time and over time', () =>
      withStore(async (store) => {
        const at3600: DependencySnapshot = {
          country: 'KP',
          time: 3600,
          peers: 12,
          dependency: [
            { asn: 4837, hegemony: 1, ipv4: 1, ipv6: 0 },
            { asn: 4_200_000_000, hegemony: 0.25, ipv4: 0.25, ipv6: 0 },
          ],
          upstreams: [{ asn: 4837, share: 1 }],
        };
        const at7200: DependencySnapshot = {
          country: 'KP',
          time: 7200,
          peers: 11,
          dependency: [
            { asn: 4837, hegemony: 0.5, ipv4: 0.5, ipv6: 0 },
            { asn: 12389, hegemony: 0.5, ipv4: 0.5, ipv6: 0 },
          ],
          // The order the interface gives: largest share first, then by AS number.
          upstreams: [
            { asn: 4837, share: 0.5 },
            { asn: 12389, share: 0.5 },
          ],
        };
        const empty: DependencySnapshot = {
          country: 'TV',
          time: 3600,
          peers: 12,
          dependency: [],
          upstreams: [],
        };
        await store.ingestFile(batch({ dependency: [at3600, empty] }));
        await store.ingestFile(batch({ dependency: [at7200] }));
        expect(await store.dependencyAt('KP', 3599)).toBeUndefined();
        expect(await store.dependencyAt('KP', 3600)).toEqual(at3600);
        expect(await store.dependencyAt('KP', 7199)).toEqual(at3600);
        expect(await store.dependencyAt('KP', 1e10)).toEqual(at7200);
        expect(await store.dependencyAt('TV', 1e10)).toEqual(empty);
        expect(await store.dependencySeries('KP', 0, 1e10)).toEqual([at3600, at7200]);
        expect(await store.dependencySeries('KP', 3601, 7199)).toEqual([]);
        expect(await store.dependencySeries('KP', 7200, 3600)).toEqual([]);
      }));

    it('keeps an outage event through its life cycle, latest state first', () =>
      withStore(async (store) => {
        const prefixes = ['175.45.176.0/24', '175.45.177.0/24'];
        const opened: OutageRecord = {
          selection: `country KP ${UNICODE}`,
          event: outageEvent(1000, undefined, prefixes),
          phases: [{ phase: 'open', time: 1000 }],
        };
        const closed: OutageRecord = {
          selection: opened.selection,
          event: outageEvent(1000, 5000, prefixes),
          phases: [
            { phase: 'update', time: 1300 },
            { phase: 'close', time: 5000 },
          ],
        };
        const other: OutageRecord = {
          selection: 'AS131279',
          event: outageEvent(20_000, undefined, ['175.45.178.0/24']),
          phases: [{ phase: 'open', time: 20_000 }],
        };
        await store.ingestFile(batch({ outages: [opened] }));
        expect(await store.outages({ openOnly: true })).toEqual([opened]);
        await store.ingestFile(batch({ outages: [closed, other] }));
        const all = await store.outages();
        expect(all).toHaveLength(2);
        expect(all[0].event).toEqual(closed.event);
        expect(all[0].phases).toEqual([...opened.phases, ...closed.phases]);
        expect(all[0].event.causeEvidence).toBe(UNICODE);
        expect((await store.outages({ openOnly: true })).map((o) => o.selection)).toEqual(['AS131279']);
        expect((await store.outages({ selection: opened.selection })).map((o) => o.event.start)).toEqual([
          1000,
        ]);
        expect((await store.outages({ from: 6000 })).map((o) => o.selection)).toEqual(['AS131279']);
        expect((await store.outages({ to: 999 })).length).toBe(0);
        expect((await store.outages({ from: 4000, to: 4500 })).map((o) => o.event.start)).toEqual([1000]);
        expect(await store.outages({ selection: 'country KR' })).toEqual([]);
      }));

    it('lists origin and upstream changes by prefix, by AS (before or after) and by time', () =>
      withStore(async (store) => {
        await store.ingestFile(
          batch({
            changes: [
              { kind: 'origin', prefix: '175.45.176.0/24', time: 300, before: [], after: [131279] },
              { kind: 'upstream', prefix: '175.45.176.0/24', time: 300, before: [], after: [4837] },
              {
                kind: 'origin',
                prefix: '175.45.177.0/24',
                time: 600,
                before: [131279],
                after: [131279, 4_200_000_000],
              },
              { kind: 'upstream', prefix: '175.45.176.0/24', time: 900, before: [4837], after: [4837, 9002] },
              { kind: 'origin', prefix: '175.45.176.0/24', time: 1200, before: [131279], after: [] },
            ],
          }),
        );
        const all = await store.prefixChanges();
        expect(all.map((c) => [c.time, c.kind, c.prefix])).toEqual([
          [300, 'origin', '175.45.176.0/24'],
          [300, 'upstream', '175.45.176.0/24'],
          [600, 'origin', '175.45.177.0/24'],
          [900, 'upstream', '175.45.176.0/24'],
          [1200, 'origin', '175.45.176.0/24'],
        ]);
        expect(
          (await store.prefixChanges({ prefix: '175.45.176.0/24', kind: 'origin' })).map((c) => c.time),
        ).toEqual([300, 1200]);
        expect((await store.prefixChanges({ asn: 4_200_000_000 }))[0].after).toEqual([131279, 4_200_000_000]);
        expect((await store.prefixChanges({ asn: 9002 })).map((c) => c.time)).toEqual([900]);
        expect((await store.prefixChanges({ asn: 131279, from: 500, to: 1000 })).map((c) => c.time)).toEqual([
          600,
        ]);
        expect(await store.prefixChanges({ asn: 1 })).toEqual([]);
        expect(await store.prefixChanges({ from: 2000 })).toEqual([]);
      }));

    it('lists session resets in a time range', () =>
      withStore(async (store) => {
        const reset = { time: 500, peerAsn: 3856, peerAddress: '2001:db8::1', routesRemoved: 577_744 };
        await store.ingestFile(batch({ resets: [reset, { ...reset, time: 9000, peerAsn: 4_200_000_000 }] }));
        expect(await store.sessionResets(0, 1000)).toEqual([reset]);
        expect((await store.sessionResets(0, 1e10)).map((r) => r.peerAsn)).toEqual([3856, 4_200_000_000]);
        expect(await store.sessionResets(501, 8999)).toEqual([]);
      }));

    it('imports an evidence corpus once and finds evidence by value and by actor', () =>
      withStore(async (store) => {
        const objects: EvidenceObject[] = [
          caseObject('case--sony'),
          actor('actor--lazarus', `Lazarus ${UNICODE}`),
          actor('actor--lonely', 'an actor with no evidence'),
          attributedTo('relationship--1', 'case--sony', 'actor--lazarus'),
          indicator('indicator--1', 'example.com', ['case--sony']),
          indicator('indicator--2', `xn--${UNICODE}.example`, ['case--sony']),
          indicator('indicator--3', 'example.com', []),
        ];
        const file = fileRecord({ kind: 'intel', path: `intel/${UNICODE}.json`, records: objects.length });
        expect(await store.importEvidence(file, objects)).toBe(true);
        expect(await store.importEvidence(file, objects)).toBe(false);
        expect((await store.findEvidence('example.com')).map((i) => i.id)).toEqual([
          'indicator--1',
          'indicator--3',
        ]);
        expect(await store.findEvidence(`xn--${UNICODE}.example`)).toEqual([objects[5]]);
        expect(await store.findEvidence('EXAMPLE.COM')).toEqual([]);
        expect((await store.evidenceOfActor('actor--lazarus')).map((i) => i.id)).toEqual([
          'indicator--1',
          'indicator--2',
        ]);
        expect(await store.evidenceOfActor('actor--lonely')).toEqual([]);
        expect(await store.evidenceOfActor('actor--unknown')).toEqual([]);
        expect(await store.evidence('actor--lazarus')).toEqual(objects[1]);
        expect(await store.evidence('case--sony')).toEqual(objects[0]);
        expect(await store.evidence('nothing')).toBeUndefined();
        expect(
          await store.evidenceObjects(['case--sony', 'nothing', 'actor--lazarus', 'case--sony']),
        ).toEqual(
          new Map<string, EvidenceObject>([
            ['case--sony', objects[0]],
            ['actor--lazarus', objects[1]],
          ]),
        );
        expect((await store.counts()).evidence).toBe(objects.length);
        expect((await store.files('intel')).map((f) => f.path)).toEqual([`intel/${UNICODE}.json`]);
        // A later file restating an indicator replaces it.
        const restated = { ...indicator('indicator--3', 'example.org', []), comment: 'restated' };
        await store.importEvidence(fileRecord({ kind: 'intel' }), [restated]);
        expect((await store.findEvidence('example.com')).map((i) => i.id)).toEqual(['indicator--1']);
        expect(await store.findEvidence('example.org')).toEqual([restated]);
      }));

    it('looks evidence up by many ids at once, the latest version of each', () =>
      withStore(async (store) => {
        // More ids than one statement of either implementation takes, over two files.
        const first = Array.from({ length: 2345 }, (_, i) =>
          indicator(`indicator--${i}`, `host${i}.example`, []),
        );
        const second = first
          .filter((_, i) => i % 7 === 0)
          .map((o) => ({ ...o, comment: `restated ${UNICODE}` }));
        expect(await store.importEvidence(fileRecord({ kind: 'intel' }), first)).toBe(true);
        expect(await store.importEvidence(fileRecord({ kind: 'intel' }), second)).toBe(true);
        const latest = new Map<string, EvidenceObject>(first.map((o) => [o.id, o]));
        for (const o of second) latest.set(o.id, o);
        const asked = [...latest.keys(), 'nothing', first[0].id, `indicator--${UNICODE}`];
        const got = await store.evidenceObjects(asked);
        expect(got).toEqual(latest);
        for (const id of [first[0].id, first[1].id, first[2344].id])
          expect(got.get(id)).toEqual(await store.evidence(id));
        expect(await store.evidenceObjects([])).toEqual(new Map());
        expect(await store.evidenceObjects(['nothing'])).toEqual(new Map());
      }));

    it('keeps one evidence index, the last saved, text as given, across a reopen', async () => {
      let store = await factory.create();
      try {
        expect(await store.loadEvidenceIndex()).toBeUndefined();
        const first = {
          inputs: [{ hash: 'a'.repeat(64), path: `iocs/${UNICODE}.csv`, full: `/data/iocs/${UNICODE}.csv` }],
          format: 1,
          builtAt: 100,
          text: JSON.stringify({ format: 1, note: UNICODE }),
        };
        await store.saveEvidenceIndex(first);
        expect(await store.loadEvidenceIndex()).toEqual(first);
        // A large text (a real corpus index runs to tens of megabytes) comes back byte for byte.
        const second = { ...first, inputs: [], builtAt: 200, text: `${UNICODE}x`.repeat(200_000) };
        await store.saveEvidenceIndex(second);
        store = await factory.reopen(store);
        expect(await store.loadEvidenceIndex()).toEqual(second);
        expect((await store.counts()).evidence).toBe(0);
      } finally {
        await store.close();
      }
    });

    it('saves an ACH case and its rating edits, keeping the edits when the case is saved again', async () => {
      let store = await factory.create();
      try {
        const saved = achCase('sony-2014', `Sony ${UNICODE}`);
        await store.saveAchCase(saved);
        await store.recordAchEdit({
          caseId: 'sony-2014',
          evidenceId: 'e1',
          hypothesisId: 'h2',
          rating: 'II',
          time: 100,
          analyst: UNICODE,
          note: UNICODE,
        });
        await store.recordAchEdit({
          caseId: 'sony-2014',
          evidenceId: 'e1',
          hypothesisId: 'h1',
          rating: 'CC',
          time: 200,
        });
        await store.saveAchCase({ ...saved, title: 'renamed' });
        store = await factory.reopen(store);
        const stored = await store.achCase('sony-2014');
        expect(stored?.achCase).toEqual({ ...saved, title: 'renamed' });
        expect(stored?.edits).toEqual([
          {
            caseId: 'sony-2014',
            evidenceId: 'e1',
            hypothesisId: 'h2',
            rating: 'II',
            time: 100,
            analyst: UNICODE,
            note: UNICODE,
          },
          { caseId: 'sony-2014', evidenceId: 'e1', hypothesisId: 'h1', rating: 'CC', time: 200 },
        ]);
        expect(await store.achCase('other')).toBeUndefined();
        expect((await store.counts()).achCases).toBe(1);
      } finally {
        await store.close();
      }
    });

    it('keeps unicode in every string field of the routing records', () =>
      withStore(async (store) => {
        const key = `${UNICODE}`;
        const file = fileRecord({
          path: `/${UNICODE}/rib.bz2`,
          problems: [UNICODE, `${UNICODE} 2`],
          problemCount: 2,
        });
        const reset = { time: 10, peerAsn: 1, peerAddress: UNICODE, routesRemoved: 1 };
        const change = { kind: 'origin' as const, prefix: UNICODE, time: 10, before: [], after: [1] };
        await store.ingestFile(
          batch({
            file,
            bins: [0],
            visibility: [point('prefix', key, 0, 1)],
            resets: [reset],
            changes: [change],
          }),
        );
        expect(await store.files()).toEqual([file]);
        expect((await store.visibilitySeries('prefix', key, 0, 0))[0].key).toBe(key);
        expect(await store.sessionResets(0, 100)).toEqual([reset]);
        expect(await store.prefixChanges({ prefix: UNICODE })).toEqual([change]);
      }));

    it('reports its size on disk once something is written', () =>
      withStore(async (store) => {
        await store.ingestFile(batch({ bins: [0], visibility: [point('country', 'KP', 0, 4)] }));
        expect(await store.sizeOnDisk()).toBeGreaterThan(0);
      }));
  });
}
