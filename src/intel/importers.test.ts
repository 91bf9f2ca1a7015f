// Importers on the real data bundled in data/intel, each count checked against an independent
// count made here with JSON.parse and a filter (or a plain split for the CSV lists).
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ActorResolver,
  EvidenceGraph,
  importAttack,
  importIndicatorList,
  importMispEvent,
  importMispGalaxy,
  importStixBundle,
  RuleActorResolver,
} from './index.js';
import type { AttackIndex, ImportReport, RuleActorState } from './index.js';

const dataDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../data/intel');
const read = (rel: string) => readFileSync(path.join(dataDir, rel));
const readJson = (rel: string): unknown => {
  const b = read(rel);
  return JSON.parse((b[0] === 0x1f && b[1] === 0x8b ? gunzipSync(b) : b).toString('utf8'));
};
type StixObj = Record<string, unknown> & { type: string; id: string };
const countTypes = (objs: StixObj[], ...types: string[]) => objs.filter((o) => types.includes(o.type)).length;

describe('STIX bundles (OASIS 2.1, Unit 42 2.0)', () => {
  const files = [
    'stix/oasis/apt1.json',
    'stix/oasis/poisonivy.json',
    ...readdirSync(path.join(dataDir, 'stix/unit42'))
      .filter((f) => f.endsWith('.json'))
      .map((f) => `stix/unit42/${f}`),
  ];
  it.each(files)('%s: objects per type match an independent count', (file) => {
    const graph = new EvidenceGraph();
    const report = importStixBundle(graph, read(file), { file });
    const objs = (readJson(file) as { objects: StixObj[] }).objects;
    expect(report.recordsRead).toBe(objs.length);
    expect(report.added.actor).toBe(countTypes(objs, 'intrusion-set', 'threat-actor'));
    expect(report.added.malware).toBe(countTypes(objs, 'malware', 'tool'));
    expect(report.added.technique).toBe(countTypes(objs, 'attack-pattern'));
    expect(report.added.case).toBe(countTypes(objs, 'campaign', 'incident', 'grouping'));
    expect(report.added.report).toBe(countTypes(objs, 'report'));
    expect(report.added.relationship).toBe(countTypes(objs, 'relationship'));
    // Indicators: one per `=` comparison over a supported path, minus values that are not valid.
    const patterns = objs.filter((o) => o.type === 'indicator').map((o) => o.pattern as string);
    const comparisons = patterns.flatMap((p) => [
      ...p.matchAll(
        /(ipv4-addr|ipv6-addr|domain-name|url|email-addr):value = '([^']*)'|file:(?:hashes\.'?[\w-]+'?|name) = '([^']*)'/g,
      ),
    ]);
    const badValues = report.issues.filter((i) => i.code === 'INTEL_BAD_VALUE').length;
    expect(report.added.indicator).toBe(comparisons.length - badValues);
    // Every issue names the file and a JSON path under $.objects.
    for (const i of report.issues) {
      expect(i.location.file).toBe(file);
      expect(i.location.path).toMatch(/^\$\.objects\[\d+\]/);
    }
  });

  it('keeps provenance, confidence and the exact original value; reports the bad Poison Ivy domain', () => {
    const graph = new EvidenceGraph();
    const report = importStixBundle(graph, read('stix/oasis/poisonivy.json'), { file: 'poisonivy.json' });
    const bad = report.issues.find((i) => i.code === 'INTEL_BAD_VALUE');
    expect(bad?.message).toContain('domain autuo.xicp.net');
    const objs = (readJson('stix/oasis/poisonivy.json') as { objects: StixObj[] }).objects;
    const idx = objs.findIndex(
      (o) => typeof o.pattern === 'string' && o.pattern.includes('domain autuo.xicp.net'),
    );
    expect(bad?.location.path).toMatch(new RegExp(`^\\$\\.objects\\[${idx}\\]\\.pattern@\\d+$`));
    const hits = graph.findByValue('60.10.1.121');
    expect(hits.length).toBe(2);
    for (const h of hits) {
      expect(h.type).toBe('ipv4');
      expect(h.provenance.file).toBe('poisonivy.json');
      expect(h.provenance.objectId).toMatch(/^indicator--/);
      expect(h.confidence).toBeGreaterThanOrEqual(0);
    }
  });

  it('APT1: CIDR indicators are canonical and linked to the intrusion set by relationships', () => {
    const graph = new EvidenceGraph();
    importStixBundle(graph, read('stix/oasis/apt1.json'), { file: 'apt1.json' });
    expect(
      graph
        .indicatorsOfType('cidr')
        .map((i) => i.value)
        .sort(),
    ).toEqual(['112.64.0.0/15', '139.226.0.0/15', '223.166.0.0/15', '58.246.0.0/15']);
    const apt1 = graph.actors.find((a) => a.name === 'APT1')!;
    expect(apt1.aliases).toContain('Comment Crew');
    expect(
      graph.relationshipsTo(apt1.id, 'attributed-to').length + graph.relationshipsFrom(apt1.id).length,
    ).toBeGreaterThan(0);
  });
});

describe('MITRE ATT&CK subset (gzip)', () => {
  let graph: EvidenceGraph;
  let report: ImportReport;
  let index: AttackIndex;
  let objs: StixObj[];
  beforeAll(() => {
    graph = new EvidenceGraph();
    ({ report, index } = importAttack(graph, read('attack/enterprise-attack-18.1-subset.json.gz'), {
      file: 'attack/enterprise-attack-18.1-subset.json.gz',
    }));
    objs = (readJson('attack/enterprise-attack-18.1-subset.json.gz') as { objects: StixObj[] }).objects;
  });

  it('imports every object; counts per type match', () => {
    expect(report.issueCount).toBe(0);
    expect(report.recordsRead).toBe(objs.length);
    expect(report.recordsRead).toBe(19_790);
    expect(report.added.technique).toBe(countTypes(objs, 'attack-pattern'));
    expect(report.added.malware).toBe(countTypes(objs, 'malware', 'tool'));
    expect(report.added.actor).toBe(countTypes(objs, 'intrusion-set'));
    expect(report.added.case).toBe(countTypes(objs, 'campaign'));
    expect(report.added.relationship).toBe(countTypes(objs, 'relationship'));
    expect(graph.getAs('source', graph.sources[0].id)?.version).toBe('2.0');
  });

  it('keeps revoked/deprecated flags but leaves them out of the index', () => {
    const revoked = objs.filter((o) => o.revoked === true).length;
    expect(
      graph.techniques.filter((t) => t.revoked).length +
        graph.malware.filter((m) => m.revoked).length +
        graph.actors.filter((a) => a.revoked).length +
        graph.cases.filter((c) => c.revoked).length,
    ).toBe(
      objs.filter(
        (o) =>
          o.revoked === true &&
          ['attack-pattern', 'malware', 'tool', 'intrusion-set', 'campaign'].includes(o.type),
      ).length,
    );
    expect(revoked).toBeGreaterThan(0);
    const liveGroups = objs.filter(
      (o) => o.type === 'intrusion-set' && o.revoked !== true && o.x_mitre_deprecated !== true,
    ).length;
    expect(index.groups.size).toBe(liveGroups);
  });

  it('G0032 Lazarus Group: aliases, technique set and software set match the relationships', () => {
    const g = index.group('G0032')!;
    expect(g.name).toBe('Lazarus Group');
    expect(g.aliases).toEqual(expect.arrayContaining(['HIDDEN COBRA', 'Guardians of Peace', 'ZINC']));
    expect(index.group('hidden cobra')?.attackId).toBe('G0032');
    // Independent computation from the raw objects.
    const byId = new Map(objs.map((o) => [o.id, o]));
    const extId = (o: StixObj | undefined) =>
      ((o?.external_references as { source_name: string; external_id?: string }[] | undefined) ?? []).find(
        (r) => r.source_name === 'mitre-attack',
      )?.external_id;
    const live = (o: StixObj | undefined) =>
      o !== undefined && o.revoked !== true && o.x_mitre_deprecated !== true;
    const group = objs.find((o) => o.type === 'intrusion-set' && extId(o) === 'G0032')!;
    const uses = objs.filter(
      (o) =>
        o.type === 'relationship' && o.relationship_type === 'uses' && o.source_ref === group.id && live(o),
    );
    const techniques = new Set(
      uses
        .map((r) => byId.get(r.target_ref as string))
        .filter((t) => t?.type === 'attack-pattern' && live(t))
        .map((t) => extId(t)!),
    );
    const software = new Set(
      uses
        .map((r) => byId.get(r.target_ref as string))
        .filter((t) => (t?.type === 'malware' || t?.type === 'tool') && live(t))
        .map((t) => extId(t)!),
    );
    expect(techniques.size).toBeGreaterThan(50);
    expect([...g.techniques].sort()).toEqual([...techniques].sort());
    expect([...g.software].sort()).toEqual([...software].sort());
    expect(g.campaigns.has('C0022')).toBe(true);
  });

  it('C0057 3CX is attributed to G1049 AppleJeus', () => {
    expect(index.campaigns.get('C0057')?.attributedTo).toEqual(['G1049']);
  });

  it('without techniques: the same groups, campaigns and software, and rules name the same actors', () => {
    const light = new EvidenceGraph();
    const names = importAttack(light, read('attack/enterprise-attack-18.1-subset.json.gz'), {
      file: 'attack',
      techniques: false,
    });
    const ofPattern = (o: StixObj): boolean =>
      o.type === 'attack-pattern' ||
      (o.type === 'relationship' &&
        [o.source_ref, o.target_ref].some((r) => String(r).startsWith('attack-pattern--')));
    expect(names.report.recordsRead).toBe(objs.length);
    expect(names.report.skipped - report.skipped).toBe(objs.filter(ofPattern).length);
    expect(light.techniques).toHaveLength(0);
    expect(names.index.techniques.size).toBe(0);
    const view = (ix: AttackIndex): unknown => ({
      groups: [...ix.groups].map(([id, g]) => [id, g.name, g.aliases, [...g.software], [...g.campaigns]]),
      campaigns: [...ix.campaigns].map(([id, c]) => [
        id,
        c.case.name,
        c.case.aliases,
        c.attributedTo,
        [...c.software],
      ]),
      software: [...ix.software].map(([id, m]) => [id, m.name, m.aliases]),
    });
    expect(view(names.index)).toEqual(view(index));
    // The rules' actors (intel sample --rules) read only names: every name ATT&CK and MISP know
    // resolves the same over both imports.
    const misp = read('misp-galaxy/clusters/threat-actor.json.gz');
    importMispGalaxy(light, misp, { file: 'misp' });
    const full = new EvidenceGraph();
    const fullIndex = importAttack(full, read('attack/enterprise-attack-18.1-subset.json.gz'), {
      file: 'attack',
    }).index;
    importMispGalaxy(full, misp, { file: 'misp' });
    const ours = new RuleActorResolver(light, names.index);
    const theirs = new RuleActorResolver(full, fullIndex);
    // And as `intel sample` keeps it derived on disk: its state through JSON, without the graph.
    const kept = new RuleActorResolver(JSON.parse(JSON.stringify(ours.state())) as RuleActorState);
    const titles = new Set<string>();
    for (const f of [...full.actors, ...full.cases, ...full.malware])
      for (const name of [f.name, ...f.aliases]) titles.add(name);
    expect(titles.size).toBeGreaterThan(3000);
    let named = 0;
    for (const title of titles) {
      const meta = { description: `${title} loader`, family: title };
      const want = theirs.resolve(title.replace(/ /g, '_'), meta);
      if (want.length > 0) named++;
      expect(ours.resolve(title.replace(/ /g, '_'), meta), title).toEqual(want);
      expect(kept.resolve(title.replace(/ /g, '_'), meta), title).toEqual(want);
    }
    expect(named).toBeGreaterThan(2000);
  });
});

describe('MISP events and galaxies', () => {
  const eventFiles = readdirSync(path.join(dataDir, 'misp-events/eset'), {
    recursive: true,
    encoding: 'utf8',
  })
    .filter((f) => f.endsWith('.json'))
    .map((f) => `misp-events/eset/${f}`);

  it.each(eventFiles)('%s: attributes read, actor label from the threat-actor galaxy', (file) => {
    const graph = new EvidenceGraph();
    const report = importMispEvent(graph, read(file), { file });
    const doc = readJson(file) as {
      Event?: Record<string, unknown>;
      response?: { Event: Record<string, unknown> }[];
    };
    const ev = (doc.Event ?? doc.response![0].Event) as {
      Attribute: { type: string; value: string }[];
      Object?: { Attribute: { type: string; value: string }[] }[];
      Galaxy?: { type: string; GalaxyCluster: { value: string }[] }[];
    };
    const attrs = [...ev.Attribute, ...(ev.Object ?? []).flatMap((o) => o.Attribute)];
    expect(report.recordsRead).toBe(1 + attrs.length);
    expect(report.issues.filter((i) => i.code === 'MISP_UNKNOWN_TYPE')).toEqual([]);
    const c = graph.cases[0];
    const actors = (ev.Galaxy ?? [])
      .filter((g) => g.type === 'threat-actor')
      .flatMap((g) => g.GalaxyCluster.map((x) => x.value));
    expect(c.actorLabels).toEqual(actors);
    // Hash attributes, including the hash part of filename|hash, each became an indicator.
    for (const h of ['md5', 'sha1', 'sha256'] as const) {
      const expected = new Set(
        attrs
          .filter((a) => a.type === h || a.type === `filename|${h}`)
          .map((a) => a.value.split('|').pop()!.toLowerCase()),
      );
      expect(new Set(graph.indicatorsOfType(h).map((i) => i.value))).toEqual(expected);
    }
    expect(graph.indicatorsOfCase(c.id).length).toBe(report.added.indicator);
  });

  it('the ESET 3CX event is labelled Lazarus Group and attributed with provenance', () => {
    const graph = new EvidenceGraph();
    importMispEvent(graph, read('misp-events/eset/nukesped_lazarus/lazarus_3cx.json'), {
      file: 'lazarus_3cx.json',
    });
    const c = graph.cases[0];
    expect(c.caseKind).toBe('misp-event');
    expect(c.actorLabels).toEqual(['Lazarus Group']);
    expect(c.techniqueIds).toContain('T1593.001');
    const rel = graph.relationshipsFrom(c.id, 'attributed-to');
    expect(rel.length).toBe(1);
    expect(graph.getAs('actor', rel[0].targetRef)?.name).toBe('Lazarus Group');
    expect(rel[0].provenance.path).toMatch(/^\$\.response\[0\]\.Event\.Galaxy\[\d+\]\.GalaxyCluster\[0\]$/);
    expect(graph.indicatorsOfType('ipv4').length).toBe(4);
  });

  it('galaxy clusters: counts, Lazarus aliases, resolution from G0032, ambiguous aliases reported', () => {
    const graph = new EvidenceGraph();
    const ta = importMispGalaxy(graph, read('misp-galaxy/clusters/threat-actor.json.gz'), {
      file: 'threat-actor.json',
    });
    const mp = importMispGalaxy(graph, read('misp-galaxy/clusters/malpedia.json.gz'), {
      file: 'malpedia.json',
    });
    const taVals = (readJson('misp-galaxy/clusters/threat-actor.json.gz') as { values: { uuid: string }[] })
      .values;
    const mpVals = (readJson('misp-galaxy/clusters/malpedia.json.gz') as { values: { uuid: string }[] })
      .values;
    expect(ta.added.actor).toBe(new Set(taVals.map((v) => v.uuid)).size);
    expect(mp.added.malware).toBe(new Set(mpVals.map((v) => v.uuid)).size);
    const resolver = new ActorResolver(graph);
    for (const name of [
      'Lazarus Group',
      'Hidden Cobra',
      'HIDDEN COBRA',
      'APT38',
      'G0032',
      'Operation DarkSeoul',
      'Bureau 121',
    ]) {
      const r = resolver.resolve(name);
      expect(r.status, name).toBe('resolved');
      expect(r.actor?.name).toBe('Lazarus Group');
    }
    expect(resolver.resolve('Lazarus Group').actor?.countries).toEqual(['KP']);
    // "Andariel" is a synonym of both Lazarus Group and Silent Chollima: reported, not merged.
    const andariel = resolver.resolve('Andariel');
    expect(andariel.status).toBe('ambiguous');
    expect(andariel.candidates.map((c) => c.name).sort()).toEqual(['Lazarus Group', 'Silent Chollima']);
    const amb = resolver.ambiguities();
    expect(amb.find((a) => a.alias === 'Andariel')?.candidates.length).toBe(2);
    // Independent count of aliases shared between clusters (same folding as the resolver).
    const fold = (s: string) =>
      s
        .normalize('NFKC')
        .toLowerCase()
        .replace(/[^\p{L}\p{N}]+/gu, '');
    const claims = new Map<string, Set<string>>();
    const clusters = (
      readJson('misp-galaxy/clusters/threat-actor.json.gz') as {
        values: { value: string; uuid: string; meta?: { synonyms?: string[] } }[];
      }
    ).values;
    // Clusters with the same primary name are one actor (the resolver's merge rule).
    const actorOf = new Map<string, string>();
    for (const c of clusters) if (!actorOf.has(fold(c.value))) actorOf.set(fold(c.value), c.uuid);
    for (const c of clusters) {
      const actor = actorOf.get(fold(c.value))!;
      for (const s of [c.value, ...(c.meta?.synonyms ?? [])]) {
        const k = fold(s);
        if (k === '') continue;
        if (!claims.has(k)) claims.set(k, new Set());
        claims.get(k)!.add(actor);
      }
    }
    expect(amb.length).toBe([...claims.values()].filter((s) => s.size > 1).length);
  });

  it('with ATT&CK loaded too: G0032 merges with the MISP cluster; APT38 becomes ambiguous (G0082)', () => {
    const graph = new EvidenceGraph();
    importAttack(graph, read('attack/enterprise-attack-18.1-subset.json.gz'), { file: 'attack' });
    importMispGalaxy(graph, read('misp-galaxy/clusters/threat-actor.json.gz'), { file: 'threat-actor.json' });
    const resolver = new ActorResolver(graph);
    const laz = resolver.resolve('G0032');
    expect(laz.status).toBe('resolved');
    expect(laz.actor?.members.map((m) => m.provenance.file).sort()).toEqual(['attack', 'threat-actor.json']);
    expect(laz.actor?.aliases).toEqual(
      expect.arrayContaining(['Lazarus Group', 'HIDDEN COBRA', 'Operation Troy', 'Bureau 121']),
    );
    expect(resolver.resolve('Hidden Cobra').actor?.id).toBe(laz.actor?.id);
    const apt38 = resolver.resolve('APT38');
    expect(apt38.status).toBe('ambiguous');
    expect(
      apt38.candidates.map((c) => c.externalIds.find((x) => x.startsWith('G')) ?? c.name).sort(),
    ).toEqual(['G0032', 'G0082']);
  });
});

describe('indicator lists', () => {
  // The CSV lists (the folder also holds their cairn-labels manifest).
  const unit42 = readdirSync(path.join(dataDir, 'iocs/unit42/iran_linked_operators'))
    .filter((f) => f.endsWith('.csv'))
    .map((f) => `iocs/unit42/iran_linked_operators/${f}`);
  const typeOf: Record<string, string> = {
    Domain: 'domain',
    IP: 'ipv4',
    MD5: 'md5',
    SHA256: 'sha256',
    URL: 'url',
    Filename: 'filename',
    'Service Name': 'string',
  };
  it.each(unit42)('%s: typed columns, defanged values refanged, originals kept', (file) => {
    const graph = new EvidenceGraph();
    const report = importIndicatorList(graph, read(file), { file });
    const rows = read(file)
      .toString('utf8')
      .split(/\r?\n/)
      .slice(1)
      .filter((l) => l !== '');
    // Independent validity check of the hash rows (a 31-digit "MD5" is in APT33.csv).
    const invalid = rows.filter((r) => {
      const [t, v] = r.split(',');
      return (t === 'MD5' && !/^[0-9a-f]{32}$/i.test(v)) || (t === 'SHA256' && !/^[0-9a-f]{64}$/i.test(v));
    });
    expect(report.issues.map((i) => [i.code, i.location.line])).toEqual(
      invalid.map((r) => ['INTEL_BAD_VALUE', rows.indexOf(r) + 2]),
    );
    expect(report.added.indicator).toBe(rows.length - invalid.length);
    const expected: Record<string, number> = {};
    for (const r of rows) {
      if (invalid.includes(r)) continue;
      const t = typeOf[r.slice(0, r.indexOf(','))];
      expected[t] = (expected[t] ?? 0) + 1;
    }
    const got: Record<string, number> = {};
    for (const i of graph.indicators) got[i.type] = (got[i.type] ?? 0) + 1;
    expect(got).toEqual(expected);
    for (const i of graph.indicators) {
      expect(rows.some((r) => r.split(',')[1] === i.original)).toBe(true);
      if (i.type === 'domain' || i.type === 'ipv4') expect(i.value).not.toContain('[');
    }
  });

  it('ESET sample hash lists: types detected from the values', () => {
    for (const [ext, type] of [
      ['md5', 'md5'],
      ['sha1', 'sha1'],
      ['sha256', 'sha256'],
    ] as const) {
      const graph = new EvidenceGraph();
      const file = `iocs/eset/nukesped_lazarus/samples.${ext}`;
      const report = importIndicatorList(graph, read(file), { file });
      const lines = read(file)
        .toString('utf8')
        .split(/\r?\n/)
        .filter((l) => l.trim() !== '');
      expect(report.added.indicator).toBe(lines.length);
      expect(graph.indicatorsOfType(type).length).toBe(lines.length);
    }
  });
});
