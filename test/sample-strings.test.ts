/**
 * The credential scan of `networkStrings` finds a URL's userinfo from its `://` by hand; this
 * checks it against the single regular expression it replaces (kept here as the reference), on
 * crafted edge cases and on generated text (a seeded generator of words, schemes and separators).
 */
import { describe, expect, it } from 'vitest';
import { networkStrings } from '../src/intel/index.js';

const REFERENCE =
  /(?:\b(?:password|passwd|pwd|pass|user(?:name)?|login|secret|api[_-]?key|token)[ \t]*[=:][ \t]*[\x21\x23-\x26\x28-\x2b\x2d-\x3a\x3c-\x7e]{1,128}|\/(?:user|u|p):[\x21-\x7e]{1,128}|\b[a-z][a-z0-9+.-]{1,31}:\/\/[\x21-\x2e\x30-\x39\x3b-\x3f\x41-\x7e]{1,64}:[\x21-\x2e\x30-\x3f\x41-\x7e]{1,128}@)/gi;

function reference(text: string): string[] {
  const seen = new Set<string>();
  for (const m of text.matchAll(REFERENCE)) seen.add(m[0]);
  return [...seen].slice(0, 500);
}

function ours(text: string): string[] {
  return networkStrings(Buffer.from(text, 'latin1'))
    .filter((s) => s.kind === 'credential' && s.encoding === 'ascii')
    .map((s) => s.value);
}

const CRAFTED = [
  'ftp://bob:s3cret@files.example.com/ and x.http://u:p@h password = hunter2 /user:SPE\\backup',
  'login:admin:pw@x://a:b@c token=abc https://user:pass@203.0.113.5:8080/x',
  `${'a'.repeat(40)}://u:p@h 9ab://u:p@h _x://u:p@h -ab://u:p@h ab://u:p@h`,
  'password=http://u:p@h  user:ftp://a:b@c.example.org pass: s3://k:v@bucket',
  'mysql://root:toor@10.0.0.5/db svn+ssh://me:pw@svn.local/repo a.b-c+d://x:y@z',
  '://u:p@h a://u:p@h ab:///u:p@h ab://u::@',
];

describe('credentials in strings', () => {
  it.each(CRAFTED.map((t, i) => [i, t]))('crafted %i: as the single expression finds them', (_, text) => {
    expect(ours(text as string)).toEqual(reference(text as string));
  });

  it('generated text: as the single expression finds them', () => {
    const pieces = [
      'password',
      'pass',
      'user',
      'token',
      'ab',
      'http',
      'x.y',
      'svn+ssh',
      '://',
      ':',
      '=',
      ' ',
      '@',
      '/',
      'u',
      'p',
      'root',
      '\t',
      '_',
      '-',
      '.',
      'Z9',
      'login',
      '/user:',
      '/p:',
    ];
    let seed = 0x22;
    const next = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 16) % n;
    };
    let found = 0;
    for (let k = 0; k < 300; k++) {
      let text = '';
      for (let i = 0; i < 60; i++) text += pieces[next(pieces.length)];
      const expected = reference(text);
      found += expected.length;
      expect(ours(text), text).toEqual(expected);
    }
    expect(found).toBeGreaterThan(300);
  });
});
