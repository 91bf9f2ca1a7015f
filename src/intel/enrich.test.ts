// Enrichment: IPs placed with a routing lookup and the real APNIC 2014 registry file and AS names;
// host names that cannot be public DNS names flagged.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAddress, formatAddress } from '../net/index.js';
import { asNamesFromFile, registryFromFiles } from '../../test/fixtures/registry-files.js';
import { EvidenceGraph, enrichIndicators, importIndicatorList, internalNameReason } from './index.js';
import type { RoutingLookup } from './index.js';

const registryDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../data/registry');

describe('internalNameReason (a TLD check, not the Public Suffix List)', () => {
  it.each([
    ['spe-dc01', 'single-label'],
    ['fileserver.corp', 'internal-suffix'],
    ['printer.local', 'internal-suffix'],
    ['db.internal', 'internal-suffix'],
    ['mail.sony.com', undefined],
    ['www.kcna.kp', undefined],
    ['update.example.xyz', undefined],
    ['host.notatld', 'no-public-tld'],
    ['203.131.222.102', undefined],
  ])('%s -> %s', (host, reason) => {
    expect(internalNameReason(host)).toBe(reason);
  });
  it('the victim naming scheme wins', () => {
    expect(internalNameReason('spe-hr-01.spe.sony.com', /^spe-/)).toBe('victim-naming');
  });
});

describe('enrichIndicators', () => {
  it('gives prefix, origin AS, AS name, registry country and upstreams; flags internal names', async () => {
    const { registry } = registryFromFiles([path.join(registryDir, 'delegated-apnic-20141009.gz')]);
    const asNames = asNamesFromFile(path.join(registryDir, 'asnames.json.gz'));
    const routing: RoutingLookup = {
      lookup(ip) {
        return formatAddress(ip).startsWith('175.45.17')
          ? { prefix: '175.45.176.0/22', originAsns: [131279], upstreams: [4837] }
          : undefined;
      },
    };
    const g = new EvidenceGraph();
    importIndicatorList(
      g,
      'type,value\nipv4,175.45.178.1\nipv4,203.131.222.102\ndomain,fileserver.corp\nurl,http://spe-dc01/share\n',
      { file: 'q.csv' },
    );
    const e = enrichIndicators(g.indicators, { routing, registry, asNames });
    const kp = [...e.ips.values()].find((x) => x.address === '175.45.178.1')!;
    expect(kp).toMatchObject({
      prefix: '175.45.176.0/22',
      originAsns: [131279],
      upstreams: [4837],
      country: 'KP',
      block: '175.45.178.0/24',
    });
    expect(kp.originNames[0]).toBe(asNames.get(131279)!.name);
    expect(registry.countryOfAddress(parseAddress('175.45.178.1'))?.country).toBe('KP');
    // Thailand (TA14-353A C2): registry country only, not announced in this lookup.
    const th = [...e.ips.values()].find((x) => x.address === '203.131.222.102')!;
    expect(th.prefix).toBeUndefined();
    expect(th.country).toBe(registry.countryOfAddress(parseAddress('203.131.222.102'))?.country);
    expect(e.insider.map((s) => [s.host, s.reason])).toEqual([
      ['fileserver.corp', 'internal-suffix'],
      ['spe-dc01', 'single-label'],
    ]);
    expect(e.insider[0].provenance).toEqual({ file: 'q.csv', line: 4 });
  });
});
