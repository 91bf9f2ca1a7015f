// `yara-meta` (issue 22 point 2): a matched YARA rule whose name or metadata names an actor is
// evidence for that actor, resolved as report titles are, weighed below a direct label, on the
// real rule files of the corpus (ESET's 3CX Rich-header rule bundled; US-CERT TA14-353A rules in
// the shared corpus).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledIntelDir } from '../../../test/fixtures/bundled-intel.js';
import { ActorDirectory } from '../actor-directory.js';
import { ActorResolver } from '../aliases.js';
import { loadCorpus } from '../corpus.js';
import { Correlator } from '../correlate.js';
import { importIndicatorList } from '../csv.js';
import { EvidenceGraph } from '../graph.js';
import { TitleResolver } from '../labels.js';
import { caseProfile } from '../profile.js';
import { importSampleJson } from '../sample/index.js';
import { ruleTitles } from '../sample/rule-actors.js';
import { parseYaraRules } from '../yara.js';
import { FEATURE_WEIGHTS } from './feature.js';

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

function corpusOf(dirs: string[]): {
  graph: EvidenceGraph;
  correlator: Correlator;
  titles: TitleResolver;
  directory: ActorDirectory;
} {
  const graph = new EvidenceGraph();
  const files = dirs.flatMap((d) =>
    // Paths as under an intel/ corpus folder (the shared rules sit in intel/yara/<set>/).
    walk(d).map((p) => ({
      path: path.relative(d === bundledIntelDir ? d : path.dirname(path.dirname(d)), p),
      bytes: readFileSync(p),
    })),
  );
  const corpus = loadCorpus(graph, files);
  const directory = new ActorDirectory(new ActorResolver(graph));
  return {
    graph,
    directory,
    // The resolution the feature makes, rebuilt here so that expectations are derived, not typed.
    titles: new TitleResolver(directory, corpus.attack, { nameHeads: true }),
    correlator: new Correlator(graph, {
      attack: corpus.attack,
      labels: corpus.labels,
      yaraRules: corpus.yaraRules,
    }),
  };
}

/** A query case holding the rule names a sample matched. */
function queryOf(rules: string[]): ReturnType<typeof caseProfile> {
  const scratch = new EvidenceGraph();
  importIndicatorList(scratch, ['type,value', ...rules.map((r) => `yara-rule,${r}`)].join('\n'), {
    file: 'query.csv',
  });
  return caseProfile(scratch, scratch.cases[0].id);
}

const ESET_RULE = 'RichHeaders_Lazarus_NukeSped_IconicPayloads_3CX_Q12023';
const ESET_FILE = 'iocs/eset/nukesped_lazarus/rich_headers_IconicPayloads_3CX.yar';

describe('yara-meta: what a matched rule names', () => {
  it("ESET's 3CX rule names Lazarus: evidence for the actor the name resolves to, below a label", () => {
    const { correlator, directory, titles } = corpusOf([bundledIntelDir]);
    const text = readFileSync(path.join(bundledIntelDir, ESET_FILE), 'utf8');
    const rule = parseYaraRules(text).find((r) => r.name === ESET_RULE)!;
    expect(rule.meta.author).toBe('ESET Research');
    // The expected actors are what the title resolver makes of the rule's texts, derived here.
    const expected = new Set(
      ruleTitles(rule.name, rule.meta).flatMap((t) => titles.resolve(t.text).map((l) => l.actor)),
    );
    const lazarus = directory.resolve('Lazarus Group')[0];
    expect(expected.has(lazarus.index)).toBe(true);
    const ranking = correlator.rankActors(queryOf([ESET_RULE]), { limit: 50 });
    const credited = ranking.filter((s) => s.evidence.some((e) => e.feature === 'yara-meta'));
    expect(new Set(credited.map((s) => s.actorIndex))).toEqual(expected);
    const item = ranking
      .find((s) => s.actorIndex === lazarus.index)!
      .evidence.find((e) => e.feature === 'yara-meta')!;
    expect(item.value).toBe(ESET_RULE);
    expect(item.note).toBe(
      `rule ${ESET_RULE}'s rule name names "Lazarus": "Lazarus", the head of Lazarus Group, a name of Lazarus Group`,
    );
    expect(item.candidate).toEqual([{ file: ESET_FILE, line: rule.line }]);
    expect(item.contribution).toBeCloseTo(FEATURE_WEIGHTS.yaraMeta * item.weight, 10);
    // A rule's words weigh less than the source naming the actor directly.
    expect(item.contribution).toBeLessThan(FEATURE_WEIGHTS.actorName);
  });

  it('the metadata, not only the name: a description naming an actor ties the rule to it', () => {
    const { correlator, titles } = corpusOf([bundledIntelDir]);
    // The ESET rule's description names the 3CX supply chain incident; what it resolves to is derived.
    const text = readFileSync(path.join(bundledIntelDir, ESET_FILE), 'utf8');
    const rule = parseYaraRules(text).find((r) => r.name === ESET_RULE)!;
    const fromDescription = titles.resolve(String(rule.meta.description)).map((l) => l.actor);
    const ranking = correlator.rankActors(queryOf([ESET_RULE]), { limit: 50 });
    for (const actor of fromDescription) {
      const items = ranking.find((s) => s.actorIndex === actor)?.evidence ?? [];
      expect(items.some((e) => e.feature === 'yara-meta')).toBe(true);
    }
  });

  it('a rule the corpus does not hold still names what its own name says; no name, no evidence', () => {
    const { correlator } = corpusOf([bundledIntelDir]);
    const ranking = correlator.rankActors(queryOf(['Generic_Packer_Section_Entropy']), { limit: 50 });
    expect(ranking.flatMap((s) => s.evidence).filter((e) => e.feature === 'yara-meta')).toEqual([]);
  });

  it("a user's rule (intel sample --rules): its meta travels with the case and names the actor", () => {
    const { correlator, titles, directory } = corpusOf([bundledIntelDir]);
    // A rule no corpus file holds, whose name names nothing: only its metadata can tie it.
    const rule = 'Synthetic_User_Rule_1';
    const meta = { author: 'an analyst', actor: 'Sandworm Team', description: 'KillDisk wiper loader' };
    // `intel sample --json` lines as the sample command writes them (synthetic: made here).
    const line = JSON.stringify({
      file: 'incident/dropper.bin',
      facts: { hashes: { md5: 'x', sha1: 'y', sha256: 'z', ssdeep: '3:a:b' }, strings: [] },
      yara: [{ rule, namespace: 'user', tags: ['wiper'], meta, strings: [] }],
    });
    const scratch = new EvidenceGraph();
    importSampleJson(scratch, `${line}\n`, { file: 'samples.jsonl' });
    const ind = scratch.indicators.find((i) => i.type === 'yara-rule')!;
    expect(ind.yaraRule).toEqual({ namespace: 'user', tags: ['wiper'], meta });
    const query = caseProfile(scratch, scratch.cases[0].id);
    // Derived: what the resolver makes of the rule's naming fields (author is not one).
    const expected = new Set(
      ruleTitles(rule, meta).flatMap((t) => titles.resolve(t.text).map((l) => l.actor)),
    );
    const sandworm = directory.resolve('Sandworm Team')[0];
    expect(expected.has(sandworm.index)).toBe(true);
    const ranking = correlator.rankActors(query, { limit: 100 });
    const credited = ranking.filter((s) => s.evidence.some((e) => e.feature === 'yara-meta'));
    expect(new Set(credited.map((s) => s.actorIndex))).toEqual(expected);
    const item = credited
      .find((s) => s.actorIndex === sandworm.index)!
      .evidence.find((e) => e.feature === 'yara-meta')!;
    expect(item.note).toContain(`rule ${rule}'s meta actor`);
    expect(item.note).toContain('its meta as the case states it, samples.jsonl');
    expect(item.query[0]).toMatchObject({ file: 'samples.jsonl', path: '$.yara[0].rule' });
    // Without the metadata (a CSV of rule names) the same rule names nobody.
    const bare = correlator.rankActors(queryOf([rule]), { limit: 100 });
    expect(bare.flatMap((s) => s.evidence).filter((e) => e.feature === 'yara-meta')).toEqual([]);
  });

  const shared = path.resolve(process.env.CAIRN_CORPUS ?? path.join(bundledIntelDir, '../../../shared/data'));
  const usCert = path.join(shared, 'intel/yara/us-cert-ta14-353a');
  it.skipIf(!existsSync(usCert))(
    'US-CERT TA14-353A rules: each is credited exactly to what its name and metadata resolve to',
    () => {
      const { correlator, titles } = corpusOf([bundledIntelDir, usCert]);
      const rules = walk(usCert)
        .filter((f) => f.endsWith('.yar'))
        .flatMap((f) => parseYaraRules(readFileSync(f, 'utf8')));
      expect(rules.length).toBeGreaterThanOrEqual(20);
      for (const rule of rules) {
        expect(rule.meta.reference).toContain('TA14-353A');
        const expected = new Set(
          ruleTitles(rule.name, rule.meta).flatMap((t) => titles.resolve(t.text).map((l) => l.actor)),
        );
        const ranking = correlator.rankActors(queryOf([rule.name]), { limit: 100 });
        const credited = new Set(
          ranking.filter((s) => s.evidence.some((e) => e.feature === 'yara-meta')).map((s) => s.actorIndex),
        );
        expect(credited).toEqual(expected);
      }
    },
  );
});
