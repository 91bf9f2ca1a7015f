// bgpdump's AS path text, on the attribute blocks of the decoder's tests (src/bgp/attributes.test.ts).
import { describe, expect, it } from 'vitest';
import { AS_TRANS } from '../bgp/index.js';
import {
  CONFED_SEQ,
  CONFED_SET,
  SEQ,
  SET,
  attr,
  decode,
  segment,
} from '../../test/fixtures/attribute-bytes.js';
import { bgpdumpAsPathText } from './bgpdump-aspath.js';

describe('bgpdumpAsPathText', () => {
  it('merges AS4_PATH into a 2-byte AS_PATH as bgpdump does', () => {
    const a = decode(
      [
        ...attr(0x40, 2, segment(SEQ, [701, 3356, AS_TRANS, AS_TRANS], 2)),
        ...attr(0xc0, 17, segment(SEQ, [4200000000, 4200000001], 4)),
      ],
      2,
    );
    expect(bgpdumpAsPathText(a)).toBe('701 3356 4200000000 4200000001');
  });

  it('ignores AS4_PATH when AS_PATH has fewer ASes than it', () => {
    const a = decode(
      [
        ...attr(0x40, 2, segment(SEQ, [701, AS_TRANS], 2)),
        ...attr(0xc0, 17, segment(SEQ, [3356, 4200000000, 4200000001], 4)),
      ],
      2,
    );
    expect(bgpdumpAsPathText(a)).toBe('701 23456');
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
    expect(bgpdumpAsPathText(a)).toBe('(65001 65002) [65003,65004] 3356 4837 {131279,4200000000}');
  });

  it('prints "! Error !" for a malformed AS_PATH, and nothing without one', () => {
    expect(bgpdumpAsPathText(decode(attr(0x40, 2, [2, 3, 0, 0, 0, 1])))).toBe('! Error !');
    expect(bgpdumpAsPathText(decode(attr(0x40, 1, [0])))).toBe('');
  });
});
