import { describe, expect, it } from 'vitest';
import { element } from '../../test/fixtures/elements.js';
import { RoutingTable } from './table.js';
import { LOST, LOST_BY_PEER_DOWN, SEEN, VisibilitySeries } from './visibility.js';

function rows(series: VisibilitySeries, table: RoutingTable): string[] {
  const c = series.columns();
  const out: string[] = [];
  const kinds = { [SEEN]: 'seen', [LOST]: 'lost', [LOST_BY_PEER_DOWN]: 'lost-peer-down' } as Record<
    number,
    string
  >;
  for (let i = 0; i < c.count; i++)
    out.push(
      `${c.time[i]} ${table.prefix(c.prefix[i]).toString()} key=${c.key[i]} peer=${table.peer(c.peer[i]).address} ${kinds[c.kind[i]]}`,
    );
  return out;
}

describe('VisibilitySeries', () => {
  it('records which peers see each selected prefix, with exact times, ADD-PATH and session resets', () => {
    const table = new RoutingTable();
    const keys = new Map<string, number>();
    const series = new VisibilitySeries(table, {
      select: (prefixId) => {
        const text = table.prefix(prefixId).toString();
        if (!text.startsWith('175.45.')) return -1;
        keys.set(text, keys.size);
        return keys.size - 1;
      },
    });
    table.applyElement(element(100, 'A', 1, '175.45.176.0/24', { pathId: 1 }));
    table.applyElement(element(100, 'A', 1, '175.45.176.0/24', { pathId: 2 })); // second path: no change
    table.applyElement(element(101, 'A', 2, '175.45.176.0/24'));
    table.applyElement(element(101, 'A', 2, '8.8.8.0/24')); // not selected
    table.applyElement(element(102, 'A', 2, '175.45.177.0/24'));
    table.applyElement(element(110, 'W', 1, '175.45.176.0/24', { pathId: 1 })); // peer 1 keeps path 2
    expect(series.peersSeeing(table.findPrefixId(table.prefix(0)))).toHaveLength(2);
    table.applyElement(element(111, 'W', 1, '175.45.176.0/24', { pathId: 2 })); // now peer 1 lost it
    table.applyElement(element(112, 'W', 2, '175.45.178.0/24')); // never announced: nothing
    table.applyElement(element(120, 'STATE', 2)); // peer 2's session goes down
    table.applyElement(element(130, 'A', 1, '175.45.176.0/24', { pathId: 1 }));
    expect(rows(series, table)).toEqual([
      '100 175.45.176.0/24 key=0 peer=192.0.2.1 seen',
      '101 175.45.176.0/24 key=0 peer=192.0.2.2 seen',
      '102 175.45.177.0/24 key=1 peer=192.0.2.2 seen',
      '111 175.45.176.0/24 key=0 peer=192.0.2.1 lost',
      '120 175.45.176.0/24 key=0 peer=192.0.2.2 lost-peer-down',
      '120 175.45.177.0/24 key=1 peer=192.0.2.2 lost-peer-down',
      '130 175.45.176.0/24 key=0 peer=192.0.2.1 seen',
    ]);
    const eight = table.findPrefixId(table.prefix(3));
    expect(series.isRecorded(eight)).toBe(false);
    expect(series.peersSeeing(table.findPrefixId(table.prefix(0)))).toEqual([0]);
  });

  it('tells its listeners each row as it is recorded, and stops with close()', () => {
    const table = new RoutingTable();
    const series = new VisibilitySeries(table, { select: () => 0 });
    const seen: number[] = [];
    series.onRow((row, s) => seen.push(s.columns().time[row]));
    table.applyElement(element(1, 'A', 1, '10.0.0.0/8'));
    table.applyElement(element(2, 'W', 1, '10.0.0.0/8'));
    series.close();
    table.applyElement(element(3, 'A', 1, '10.0.0.0/8'));
    expect(seen).toEqual([1, 2]);
  });
});
