import { describe, expect, it } from 'vitest';
import {
  CONFED_SEQ,
  CONFED_SET,
  SEQ,
  SET,
  attr,
  decode,
  segment,
  u16,
  u32,
} from '../../test/fixtures/attribute-bytes.js';
import { PathAttributes, parseSegments, type AttributeProblem } from './attributes.js';
import { AS_TRANS } from './constants.js';

function actions(problems: AttributeProblem[]): [string, string, number, number][] {
  return problems.map((p) => [p.code, p.action, p.attributeType, p.offset]);
}

describe('AS4_PATH merge (RFC 6793 4.2.3) on 2-byte AS_PATHs', () => {
  it('replaces the AS_TRANS tail of AS_PATH with AS4_PATH', () => {
    const a = decode(
      [
        ...attr(0x40, 2, segment(SEQ, [701, 3356, AS_TRANS, AS_TRANS], 2)),
        ...attr(0xc0, 17, segment(SEQ, [4200000000, 4200000001], 4)),
      ],
      2,
    );
    expect(a.problems).toEqual([]);
    expect(a.asPath()).toEqual([
      { kind: 'sequence', asns: [701, 3356] },
      { kind: 'sequence', asns: [4200000000, 4200000001] },
    ]);
    expect(a.originAsns()).toEqual([4200000001]);
  });

  it('ignores AS4_PATH when AS_PATH has fewer ASes than it', () => {
    const a = decode(
      [
        ...attr(0x40, 2, segment(SEQ, [701, AS_TRANS], 2)),
        ...attr(0xc0, 17, segment(SEQ, [3356, 4200000000, 4200000001], 4)),
      ],
      2,
    );
    expect(a.asPath()).toEqual([{ kind: 'sequence', asns: [701, AS_TRANS] }]);
  });

  it('counts an AS_SET as one AS', () => {
    const a = decode(
      [
        ...attr(0x40, 2, [...segment(SEQ, [100, AS_TRANS], 2), ...segment(SET, [AS_TRANS, 300, 400], 2)]),
        ...attr(0xc0, 17, [...segment(SEQ, [4200000000], 4), ...segment(SET, [4200000001, 300, 400], 4)]),
      ],
      2,
    );
    // AS_PATH counts 3 (2 + set), AS4_PATH 2 (1 + set): one leading AS of AS_PATH is kept.
    expect(a.asPath()).toEqual([
      { kind: 'sequence', asns: [100] },
      { kind: 'sequence', asns: [4200000000] },
      { kind: 'set', asns: [4200000001, 300, 400] },
    ]);
    expect(a.originAsns()).toEqual([4200000001, 300, 400]);
  });

  it('does not count confederation segments and keeps them in front', () => {
    const a = decode(
      [
        ...attr(0x40, 2, [...segment(CONFED_SEQ, [65001, 65002], 2), ...segment(SEQ, [100, AS_TRANS], 2)]),
        ...attr(0xc0, 17, segment(SEQ, [4200000000], 4)),
      ],
      2,
    );
    expect(a.asPath()).toEqual([
      { kind: 'confed-sequence', asns: [65001, 65002] },
      { kind: 'sequence', asns: [100] },
      { kind: 'sequence', asns: [4200000000] },
    ]);
    expect(a.originAsns()).toEqual([4200000000]);
  });

  it('ignores an AS4_PATH that carries confederation segments, and AS4_PATH on 4-byte sessions', () => {
    const confed = decode(
      [
        ...attr(0x40, 2, segment(SEQ, [100, AS_TRANS], 2)),
        ...attr(0xc0, 17, segment(CONFED_SEQ, [4200000000], 4)),
      ],
      2,
    );
    expect(confed.asPath()).toEqual([{ kind: 'sequence', asns: [100, AS_TRANS] }]);
    const fourByte = decode([
      ...attr(0x40, 2, segment(SEQ, [100, 4200000000], 4)),
      ...attr(0xc0, 17, segment(SEQ, [999], 4)),
    ]);
    expect(fourByte.asPath()).toEqual([{ kind: 'sequence', asns: [100, 4200000000] }]);
  });

  it('prints confederation segments and sets as bgpdump does', () => {
    const a = decode(
      attr(0x40, 2, [
        ...segment(CONFED_SEQ, [65001, 65002], 4),
        ...segment(CONFED_SET, [65003, 65004], 4),
        ...segment(SEQ, [3356, 4837], 4),
        ...segment(SET, [131279, 4200000000], 4),
      ]),
    );
    expect(a.originAsns()).toEqual([131279, 4200000000]);
  });

  // KNOWN BUG (reported to the lead): RFC 6793 4.2.3 says that when AGGREGATOR is not AS_TRANS
  // and AS4_AGGREGATOR is present, "the AS4_AGGREGATOR attribute and the AS4_PATH attribute
  // SHALL be ignored" and AS_PATH is the path; asPath() merges AS4_PATH regardless. This test
  // states the RFC; `fails` keeps the suite green until attributes.ts is fixed, then flags it.
  it('ignores AS4_PATH when AGGREGATOR is not AS_TRANS beside AS4_AGGREGATOR', () => {
    const a = decode(
      [
        ...attr(0x40, 2, segment(SEQ, [701, AS_TRANS], 2)),
        ...attr(0xc0, 7, [...u16(701), 192, 0, 2, 1]),
        ...attr(0xc0, 17, segment(SEQ, [4200000000], 4)),
        ...attr(0xc0, 18, [...u32(4200000000), 192, 0, 2, 1]),
      ],
      2,
    );
    expect(a.aggregator()).toEqual({ asn: 701, address: '192.0.2.1' });
    expect(a.asPath()).toEqual([{ kind: 'sequence', asns: [701, AS_TRANS] }]);
  });
});

describe('AGGREGATOR and AS4_AGGREGATOR', () => {
  it('AS_TRANS in AGGREGATOR is replaced by AS4_AGGREGATOR on 2-byte sessions', () => {
    const a = decode(
      [
        ...attr(0xc0, 7, [...u16(AS_TRANS), 10, 0, 0, 1]),
        ...attr(0xc0, 18, [...u32(4200000000), 10, 0, 0, 2]),
      ],
      2,
    );
    expect(a.aggregator()).toEqual({ asn: 4200000000, address: '10.0.0.2' });
  });

  it('a 2-byte AGGREGATOR that is not AS_TRANS wins; 4-byte sessions read 8-byte AGGREGATORs', () => {
    const a = decode(
      [...attr(0xc0, 7, [...u16(701), 10, 0, 0, 1]), ...attr(0xc0, 18, [...u32(4200000000), 10, 0, 0, 2])],
      2,
    );
    expect(a.aggregator()).toEqual({ asn: 701, address: '10.0.0.1' });
    expect(decode(attr(0xc0, 7, [...u32(4200000000), 10, 0, 0, 3])).aggregator()).toEqual({
      asn: 4200000000,
      address: '10.0.0.3',
    });
  });
});

describe('malformed attributes and their RFC 7606 actions', () => {
  it('ORIGIN with an undefined value -> treat-as-withdraw, offset of the attribute header', () => {
    const a = decode([...attr(0x40, 2, [2, 0]), ...attr(0x40, 1, [3])]);
    expect(actions(a.problems)).toEqual([['BGP_ATTR_ORIGIN', 'treat-as-withdraw', 1, 5 + 5]]);
    expect(actions(decode(attr(0x40, 1, [0, 0])).problems)).toEqual([
      ['BGP_ATTR_ORIGIN', 'treat-as-withdraw', 1, 5],
    ]);
  });

  it('AGGREGATOR of the wrong length -> attribute-discard (and no value when too short)', () => {
    const short = decode(attr(0xc0, 7, [0, 0, 1, 0, 10, 0, 0]));
    expect(actions(short.problems)).toEqual([['BGP_ATTR_AGGREGATOR', 'attribute-discard', 7, 5]]);
    expect(short.aggregator()).toBeUndefined();
    // An 8-byte AGGREGATOR on a 2-byte session (as OpenBGPD writes in its MRT dumps) is read by
    // its length: the width is unambiguous.
    const twoByte = decode(attr(0xc0, 7, [...u32(65000), 10, 0, 0, 1]), 2);
    expect(twoByte.problems).toEqual([]);
    expect(twoByte.aggregator()).toEqual({ asn: 65000, address: '10.0.0.1' });
    // And a 6-byte AGGREGATOR on a 4-byte session is read by its length too, without touching
    // the bytes of the attribute that follows.
    const sixOnFour = decode([...attr(0xc0, 7, [...u16(64512), 10, 0, 0, 9]), ...attr(0x40, 1, [0])], 4);
    expect(sixOnFour.problems).toEqual([]);
    expect(sixOnFour.aggregator()).toEqual({ asn: 64512, address: '10.0.0.9' });
    expect(sixOnFour.originName()).toBe('IGP');
    const sevenBytes = decode(attr(0xc0, 7, [...u32(65000), 10, 0, 0]), 2);
    expect(actions(sevenBytes.problems)).toEqual([['BGP_ATTR_AGGREGATOR', 'attribute-discard', 7, 5]]);
    expect(actions(decode(attr(0x40, 6, [1])).problems)).toEqual([
      ['BGP_ATTR_ATOMIC_AGGREGATE', 'attribute-discard', 6, 5],
    ]);
  });

  it('malformed MP_REACH_NLRI -> session-reset', () => {
    // Next hop length 40 in a 10-byte attribute.
    const long = decode(attr(0x80, 14, [0, 2, 1, 40, 0x20, 1, 0x0d, 0xb8, 0, 0]));
    expect(actions(long.problems)).toEqual([['BGP_ATTR_MP_REACH', 'session-reset', 14, 5]]);
    expect(long.hasMpReach).toBe(false);
    expect(actions(decode(attr(0x80, 14, [0, 2, 1])).problems)[0].slice(0, 2)).toEqual([
      'BGP_ATTR_MP_REACH',
      'session-reset',
    ]);
    expect(actions(decode(attr(0x80, 14, [])).problems)[0].slice(0, 2)).toEqual([
      'BGP_ATTR_MP_REACH',
      'session-reset',
    ]);
    const reach = [0, 2, 1, 16, ...new Array<number>(16).fill(1), 0, 32, 0x20, 1, 0x0d, 0xb8];
    const twice = decode([...attr(0x80, 14, reach), ...attr(0x80, 14, reach)]);
    expect(actions(twice.problems)).toEqual([
      ['BGP_ATTR_DUPLICATE', 'session-reset', 14, 5 + 3 + reach.length],
    ]);
    expect(actions(decode(attr(0x80, 15, [0, 2])).problems)[0].slice(0, 2)).toEqual([
      'BGP_ATTR_MP_UNREACH',
      'session-reset',
    ]);
  });

  it('an attribute whose length runs past the block -> treat-as-withdraw, decoding stops there', () => {
    const a = decode([...attr(0x40, 1, [0]), 0x40, 3, 4, 10, 0, 0]);
    expect(actions(a.problems)).toEqual([['BGP_ATTR_LENGTH', 'treat-as-withdraw', 3, 5 + 4]]);
    expect(a.originName()).toBe('IGP');
    expect(a.nextHop()).toBeUndefined();
    // Extended length running past the block, and a header cut after 2 bytes.
    expect(actions(decode([0x50, 8, 0x01, 0x00, 1, 2, 3, 4]).problems)).toEqual([
      ['BGP_ATTR_LENGTH', 'treat-as-withdraw', 8, 5],
    ]);
    expect(actions(decode([...attr(0x40, 1, [0]), 0x40, 3]).problems)).toEqual([
      ['BGP_ATTR_TRUNCATED', 'treat-as-withdraw', 0, 5 + 4],
    ]);
    expect(actions(decode([0x50, 8, 0]).problems)).toEqual([
      ['BGP_ATTR_TRUNCATED', 'treat-as-withdraw', 8, 5],
    ]);
  });

  it('values of the wrong length for NEXT_HOP, MED, LOCAL_PREF, communities', () => {
    expect(actions(decode(attr(0x40, 3, [10, 0, 0])).problems)[0].slice(0, 2)).toEqual([
      'BGP_ATTR_NEXT_HOP',
      'treat-as-withdraw',
    ]);
    expect(decode(attr(0x40, 3, [10, 0, 0])).nextHop()).toBeUndefined();
    expect(actions(decode(attr(0x80, 4, [0, 0])).problems)[0][0]).toBe('BGP_ATTR_MED');
    expect(actions(decode(attr(0x40, 5, [0, 0, 0, 0, 0])).problems)[0][0]).toBe('BGP_ATTR_LOCAL_PREF');
    const communities = decode(attr(0xc0, 8, [0, 1, 0, 2, 9]));
    expect(actions(communities.problems)).toEqual([['BGP_ATTR_COMMUNITIES', 'treat-as-withdraw', 8, 5]]);
    expect(communities.communities()).toEqual(['1:2']);
  });

  it('a malformed AS_PATH gives no path and bgpdump’s "! Error !"', () => {
    const a = decode(attr(0x40, 2, [2, 3, 0, 0, 0, 1]));
    expect(a.asPath()).toBeUndefined();
    expect(parseSegments(Uint8Array.of(9, 1, 0, 1), 0, 4, 2)).toBeUndefined();
  });
});

describe('unknown attributes, communities, and reuse', () => {
  it('keeps unknown attributes raw with their flags (partial bit included)', () => {
    const a = decode([...attr(0xe0, 99, [1, 2, 3]), ...attr(0x90, 200, new Array<number>(300).fill(7))]);
    expect(a.problems).toEqual([]);
    const unknown = a.unknownAttributes();
    expect(unknown.map((u) => [u.flags, u.type, u.value.length])).toEqual([
      [0xe0, 99, 3],
      [0x90, 200, 300],
    ]);
    expect([...unknown[0].value]).toEqual([1, 2, 3]);
    expect(a.has(99) && a.has(200) && !a.has(98)).toBe(true);
  });

  it('formats communities (well-known names in bgpdump text), extended and large communities', () => {
    const a = decode([
      ...attr(0xc0, 8, [...u32(0xffffff01), ...u16(3356), ...u16(2), ...u32(0xffffff03)]),
      ...attr(0xc0, 16, [0, 2, 0xfd, 0xe8, 0, 0, 0, 100]),
      ...attr(0xc0, 32, [...u32(4200000000), ...u32(1), ...u32(0xffffffff)]),
    ]);
    expect(a.communities()).toEqual(['65535:65281', '3356:2', '65535:65283']);
    expect(a.communitiesText()).toBe('no-export 3356:2 local-AS');
    expect(a.extendedCommunities()).toEqual(['0002fde800000064']);
    expect(a.largeCommunities()).toEqual(['4200000000:1:4294967295']);
  });

  it('one instance decodes block after block without keeping anything from the last', () => {
    const a = new PathAttributes();
    const first = Uint8Array.from([
      ...attr(0xc0, 8, [0, 1, 0, 2]),
      ...attr(0x40, 1, [5]),
      ...attr(0xe0, 99, [1]),
    ]);
    a.decode(first, 0, first.length, 4, false);
    expect(a.problems).toHaveLength(1);
    expect(a.communitiesText()).toBe('1:2');
    const second = Uint8Array.from(attr(0x40, 1, [1]));
    a.decode(second, 0, second.length, 4, false);
    expect(a.problems).toEqual([]);
    expect(a.communities()).toEqual([]);
    expect(a.communitiesText()).toBe('');
    expect(a.unknownAttributes()).toEqual([]);
    expect(a.has(8) || a.has(99)).toBe(false);
    expect(a.originName()).toBe('EGP');
  });
});
