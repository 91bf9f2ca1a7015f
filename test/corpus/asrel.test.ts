// AS relationships inferred by Gao's method from the 2015 tables, compared with CAIDA's published
// relationships of February 2015 (not redistributable: read from $CAIRN_CORPUS or ../shared/data).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, test } from 'vitest';
import { scanMrt } from '../../src/mrt/index.js';
import { AsRelationships } from '../../src/observatory/index.js';
import { RoutingTable } from '../../src/routing/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const corpus = process.env.CAIRN_CORPUS ?? path.resolve(repoRoot, '../shared/data');
const ASREL = path.join(corpus, 'routing/asrel/20150201.as-rel.txt.gz');
// The 2015 tables of the corpus: one RIS peer's full table (October) and two collectors' updates
// of 1 April (RIS rrc06, RouteViews jinx): the nearest to CAIDA's February snapshot there is.
const MRT_2015 = [
  'routing/mrt/ripe-bgpdump/updates.et-header.2015.gz',
  'routing/mrt/libbgpstream/ris.rrc06.updates.1427846400.gz',
  'routing/mrt/libbgpstream/routeviews.route-views.jinx.updates.1427846400.bz2',
].map((file) => path.join(corpus, file));

/**
 * Gao 2001 reports 99.1% of the inferred relationships of AT&T's links confirmed by AT&T; that is
 * the method's published agreement, and the links a full-feed vantage point sees first hand are
 * the comparable set: the customer-provider links below the vantage point's top provider. The
 * floor for p2c links is that figure.
 */
const GAO_2001_AGREEMENT = 0.991;

/** CAIDA's file read with split('|'): `a|b|-1` (a provider of b) or `a|b|0` (peers). */
function caidaLinks(): Map<string, { provider?: number; type: 'p2c' | 'p2p' }> {
  const out = new Map<string, { provider?: number; type: 'p2c' | 'p2p' }>();
  for (const line of gunzipSync(readFileSync(ASREL)).toString('utf8').split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const [a, b, rel] = line.split('|');
    const x = Number(a);
    const y = Number(b);
    const key = x < y ? `${x}|${y}` : `${y}|${x}`;
    out.set(key, rel === '-1' ? { type: 'p2c', provider: x } : { type: 'p2p' });
  }
  return out;
}

describe('AS relationships against CAIDA 2015-02', () => {
  let rel: AsRelationships;
  let caida: ReturnType<typeof caidaLinks>;
  beforeAll(async () => {
    const table = new RoutingTable();
    for (const file of MRT_2015) await scanMrt(file, table.visitor());
    rel = AsRelationships.fromTable(table);
    caida = caidaLinks();
  });

  test('agreement per link type is reported and p2c reaches Gao 2001', () => {
    const tally = {
      p2c: { both: 0, agree: 0, reversed: 0, asP2p: 0 },
      p2p: { both: 0, agree: 0, asP2c: 0 },
      sibling: 0,
      notInCaida: 0,
    };
    for (const link of rel.links()) {
      const key = link.a < link.b ? `${link.a}|${link.b}` : `${link.b}|${link.a}`;
      const truth = caida.get(key);
      if (truth === undefined) {
        tally.notInCaida++;
        continue;
      }
      if (link.type === 'sibling') tally.sibling++;
      else if (truth.type === 'p2c') {
        tally.p2c.both++;
        if (link.type === 'p2c' && link.provider === truth.provider) tally.p2c.agree++;
        else if (link.type === 'p2c') tally.p2c.reversed++;
        else tally.p2c.asP2p++;
      } else {
        tally.p2p.both++;
        if (link.type === 'p2p') tally.p2p.agree++;
        else tally.p2p.asP2c++;
      }
    }
    const p2cAgreement = tally.p2c.agree / tally.p2c.both;
    const p2pAgreement = tally.p2p.agree / tally.p2p.both;
    const report = {
      inferred: rel.counts(),
      ases: rel.asCount,
      paths: rel.pathCount,
      ...tally,
      p2cAgreement: Number(p2cAgreement.toFixed(4)),
      p2pAgreement: Number(p2pAgreement.toFixed(4)),
    };
    console.log(`asrel agreement: ${JSON.stringify(report)}`);
    expect(tally.p2c.both).toBeGreaterThan(1000);
    expect(p2cAgreement).toBeGreaterThanOrEqual(GAO_2001_AGREEMENT);
  });

  test('KP: AS4837 is the provider of AS131279, as CAIDA has it', () => {
    const link = rel.relationship(4837, 131279);
    expect(link?.type).toBe('p2c');
    expect(link?.provider).toBe(4837);
    expect(caida.get('4837|131279')).toEqual({ type: 'p2c', provider: 4837 });
  });
});
