/**
 * The hand-written matchers of `networkStrings` (`src/intel/sample/string-scan.ts`) against the
 * regular-expression scan they replace (`test/sample-strings-reference.ts`, the old code kept as
 * it was): every match of every kind in the same order, and the whole `networkStrings` result
 * (values, offsets, encodings, insider reasons, per-kind limits) equal, on crafted edge cases,
 * seeded generated text, adversarial shapes, UTF-16LE strings, matches at a buffer's end and this
 * repository's own files.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { networkStrings } from '../src/intel/index.js';
import { scanNetworkText } from '../src/intel/sample/string-scan.js';
import {
  referenceNetworkStrings,
  referenceScanText,
  referencePublicOrInternalTld,
} from './sample-strings-reference.js';

type Found = [kind: string, raw: string, index: number, host: string | undefined];

function scanned(text: string): Found[] {
  const out: Found[] = [];
  scanNetworkText(
    text,
    (t, dot, end) => referencePublicOrInternalTld(t.slice(dot + 1, end)),
    (kind, raw, index, host) => out.push([kind, raw, index, host]),
  );
  return out;
}

function reference(text: string): Found[] {
  const out: Found[] = [];
  referenceScanText(text, (kind, raw, index, host) =>
    // The old scan hands URLs a function that finds their host; the matchers leave that to the caller.
    out.push([kind, raw, index, typeof host === 'function' ? undefined : host]),
  );
  return out;
}

/** Both scans of one text and both `networkStrings` of its latin1 bytes agree. */
function expectSame(text: string, victimNaming?: RegExp): void {
  expect(scanned(text), JSON.stringify(text.slice(0, 200))).toEqual(reference(text));
  const bytes = Buffer.from(text, 'latin1');
  expect(networkStrings(bytes, victimNaming)).toEqual(referenceNetworkStrings(bytes, victimNaming));
}

function generator(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 8) % n;
  };
}

// Pieces of every kind's syntax and of what ends or breaks a match.
const PIECES = [
  ...['http', 'HTTPS', 'ftp', 'ws', 'wSs', 'hxxp', 'xhttp', 'svn+ssh', 'a.b-c', 'h_ttp'],
  ...['://', ':/', '//', ':', '::', ':::', '.', '..', '@', '@@', '\\', '\\\\', '/', '=', ' ', '\t', '  '],
  ...['password', 'PassWd', 'pwd', 'pass', 'user', 'username', 'login', 'secret', 'api_key', 'API-Key'],
  ...['apikey', 'token', 'xpass', '/u:', '/p:', '/user:', '/USER:'],
  ...['1', '12', '123', '255', '256', '1234', '0', '01', '10.0.0.1', '1.2.3', ':8080', ':123456', '99999'],
  ...['a', 'ab', 'abc', 'fe80', 'db8', 'ffff', '12345', 'g', 'Z9', '-', '_', '%', '+', '~', '"', "'"],
  ...['com', 'COM', 'org', 'io', 'so', 'php', 'exe', 'local', 'corp', 'home', 'arpa', 'pw', 'xn--p1ai'],
  ...['example', 'c2-1', 'spe-fs3', 'share', '(', ')', '[', ']', '{', '}', ',', ';', '<', '>', '`', '?'],
  ...['#', '&', '\n', '\r', '\0', '\x7f', '\xe9', '\xff', 'a'.repeat(63), 'b'.repeat(64), '9'.repeat(7)],
];

function generatedText(next: (n: number) => number, pieces: number): string {
  let text = '';
  for (let i = 0; i < pieces; i++) text += PIECES[next(PIECES.length)];
  return text;
}

const CRAFTED = [
  // URLs: schemes at and off word boundaries, short bodies, trailing punctuation, URLs in URLs.
  'http://a http://ab http://abc https://x.example.com/a). ftp://h.io/x,; ws://h wss://h.example.org/]',
  'xhttp://abc.com _http://abc.com 9http://abc.com -http://abc.com/x http://http://a.com/https://b.io',
  `http://${'a'.repeat(2100)} HTTP://Host.Example.COM/Path?Q=1#F hxxp://a.com/x http://[2001:db8::1]:80/`,
  'http://u:p@h.example.com/ http://@/x http://.../ http://)))) http://a.b/(x)',
  // IPv4: octet lengths, ports, trailing dots, digits or dots before, leading zeros, > 255.
  '1.2.3.4 1.2.3.4:80 1.2.3.4:123456 1.2.3.4:80. 1.2.3.4. 1.2.3.4.5 .1.2.3.4 11.2.3.4 1234.5.6.7.8',
  '01.2.3.4 256.1.1.1 1.2.3.4567 1.2.3 a1.2.3.4 1.2.3.4a 999.999.999.999 10.0.0.1:8080/x 1.2.3.4:',
  '1.1.1.1.1.1.1.1 1.2.3.4:5.6.7.8 1.2.3.4:56789.1 0.0.0.0 127.0.0.1:0',
  // E-mail: labels, long labels, letters after the last dot, local parts.
  'a@b.co x@b.c x@b.c1 john.doe+tag@Mail.Example.COM @b.com a@b.cd.e1 a@-b.com a@b..com a@1.2.3.44',
  `u@${'a'.repeat(63)}.com u@${'a'.repeat(64)}.com ${'l'.repeat(70)}@x.org u@a.${'b'.repeat(30)} fxp@x.org`,
  // Domains: known and unknown tails, extension-like endings, what may not come before or after.
  'c2.example.com lib.so x.io evil.corp a.local bad.php host.pw _x.com %x.com +x.com @x.com x.com_ x.com@',
  'x.com. -a.com .a.com a-.com a..com 1.com a.b-.com xn--80ak6aa92e.com a.c0m a.co- A.COM a.b.c.d.e.org',
  `${'a'.repeat(63)}.com ${'a'.repeat(64)}.com ${'a.'.repeat(140)}com x.${'c'.repeat(62)} x.${'c'.repeat(63)}`,
  // IPv6 hints: pairs of colons, widening limits, seven colons.
  '2001:db8::1 fe80::1%eth0 ::1 :: 1:2:3:4:5:6:7:8 1:2:3:4:5:6:7 ::ffff:10.0.0.1 12345::1 a:::b',
  `${'f'.repeat(50)}::${'1'.repeat(50)} ${':'.repeat(30)} c:\\windows::$DATA 1::2::3`,
  // UNC hosts.
  '\\\\spe-fs1\\share \\\\-bad\\x \\\\a\\\\b\\ \\\\\\\\x\\ \\\\host.corp.local\\c$ \\\\h',
  `\\\\${'h'.repeat(254)}\\x \\\\${'h'.repeat(255)}\\x \\\\a..b\\x \\\\A.\\x`,
  // Credentials: words, blanks, separators, slash options, overlaps with URL userinfo.
  'password=hunter2 pass : x token=\t"q" api-key=k api_key=k apikey=k xpassword=y user:bob /user:SPE\\a',
  '/u:x /p: x /user: y login:ftp://a:b@c.example.org user=http://u:p@h secret=;x pwd==x',
  'ftp://bob:s3cret@files.example.com/ a://u:p@h ab://u::@ 9ab://u:p@h x.http://u:p@h',
  `password=${'x'.repeat(200)}token=y ${'a'.repeat(40)}://u:p@h ://u:p@h`,
  // Codes above 255 (never in a file's texts, but the matchers take any string).
  'passwor\u0164=x user\u0100=y http://a\u2028b.com/ 1.2.3.4\u0661 a@b.c\u0131m \\\\h\u0130\\',
  // Values as normalised: case, userinfo, bracketed hosts, defanged parts, empty authorities.
  'HTTP://User:PW@Host.EXAMPLE.com:8080/P?Q#F http://a@b@C.com/x http://[FE80::1]/ http://[abc/def]',
  'http://x.com/hxxp http://x.com/(a) HTTPS://x.com/fxp http:///abc http://?q ftp://#x WS://A http://A@',
  'http://a[.]com/x http://x.com/(dot) http://h/[at] http://a@B@c.com/x http://[a.corp]/x http://[b.com]/',
  '001.2.3.4 1.02.3.4 1.2.3.040 1.2.3.255:65535 255.255.255.255 1.2.3.256:80 0.0.0.0:0 1.2.3.00',
  'x.localdomain a.b.LOCALDOMAIN x.Accountant x.ACCOUNTANTS x.So x.IO x.a1 x.a-b x.xn--p1ai x.Pw x.CoRp',
  `${'abcdefghij.'.repeat(23)}com ${'abcdefghij.'.repeat(22)}com ${'a.'.repeat(124)}com`,
  // Domain names of 252 to 255 characters (253 is the longest a name may be).
  [252, 253, 254, 255].map((n) => `${`${'a'.repeat(61)}.`.repeat(4)}${'x'.repeat(n - 252)}.com`).join(' '),
  // The limits of the leftward walks: 253 host characters before a domain's top-level label, 32
  // scheme characters before a userinfo's `://`.
  ...[0, 1, 2, 3].map(
    (shift) => `${'x'.repeat(shift)}${'ab.'.repeat(90)}com ${'-'.repeat(shift)}${'a-'.repeat(130)}.io`,
  ),
  ...[29, 30, 31, 32, 33].map((n) => ` a${'-'.repeat(n)}://u:p@h .b${'+'.repeat(n)}://u:p@h`),
];

describe('network string matchers', () => {
  it.each(CRAFTED.map((t, i) => [i, t]))('crafted %i: as the regular expressions find them', (_, text) => {
    expectSame(text as string);
  });

  it('generated text: as the regular expressions find them', () => {
    const next = generator(0x5a15);
    const kinds = new Set<string>();
    for (let k = 0; k < 1500; k++) {
      const text = generatedText(next, 20 + next(80));
      for (const [kind] of reference(text)) kinds.add(kind);
      expectSame(text);
    }
    // The generator reaches every kind.
    expect([...kinds].sort()).toEqual(['credential', 'domain', 'email', 'hostname', 'ipv4', 'ipv6', 'url']);
  });

  it('generated text with a victim naming rule: the same insider reasons', () => {
    const next = generator(0x77);
    for (let k = 0; k < 200; k++) expectSame(generatedText(next, 60), /^spe-|\.corp$/);
  });

  it('adversarial shapes: long runs of digits, dots, colons, labels and separators', () => {
    const shapes = [
      '1.'.repeat(5000),
      '1'.repeat(20000) + '.1.1.1',
      '12.'.repeat(3000) + '4',
      '.'.repeat(10000),
      ':'.repeat(10000),
      'a:'.repeat(5000),
      '@'.repeat(5000) + 'a.b.co',
      '@a.'.repeat(5000) + 'com',
      'a.'.repeat(10000) + 'com',
      'a-'.repeat(10000) + '.com',
      '\\\\'.repeat(5000) + 'a\\',
      '\\\\a'.repeat(5000),
      'http://'.repeat(3000),
      '://'.repeat(5000),
      'password='.repeat(3000),
      'pass'.repeat(3000) + '=x',
      ' '.repeat(10000) + '=x password' + ' '.repeat(10000) + '=y',
      '/u:/p:/user:'.repeat(2000),
      'x@'.repeat(5000),
    ];
    for (const text of shapes) expectSame(text);
  });

  it('strings cut at 4 KiB, huge lines, and UTF-16LE strings among binary bytes', () => {
    const next = generator(0x16);
    for (let k = 0; k < 60; k++) {
      const parts: Buffer[] = [];
      for (let p = 0; p < 12; p++) {
        const text = generatedText(next, 5 + next(60));
        const choice = next(4);
        if (choice === 0) parts.push(Buffer.from(text, 'utf16le'));
        else if (choice === 1) parts.push(Buffer.from(text, 'latin1'));
        else if (choice === 2) parts.push(Buffer.from([0, 0, 0xff, next(256)]));
        else parts.push(Buffer.from(`${'x'.repeat(4090 + next(12))}http://a.example.com/${text}`, 'latin1'));
      }
      // One byte more or less shifts the UTF-16 strings to the other parity.
      for (const bytes of [Buffer.concat(parts), Buffer.concat([Buffer.from([0x41]), ...parts])])
        expect(networkStrings(bytes)).toEqual(referenceNetworkStrings(bytes));
    }
  });

  it('short UTF-16LE strings at every alignment, among NULs and among other bytes', () => {
    for (const text of ['x.io', 'ab.io', 'a.b.io', '\\\\h\\', '1.2.3.4', 'u@x.io']) {
      for (const fill of [0, 0x41, 0xe9]) {
        for (let at = 0; at < 18; at++) {
          const bytes = Buffer.alloc(at + text.length * 2 + 9, fill);
          bytes.write(text, at, 'utf16le');
          const expected = referenceNetworkStrings(bytes);
          expect(networkStrings(bytes), `${text} at ${at}`).toEqual(expected);
          if (fill !== 0x41) expect(expected.length, `${text} at ${at}`).toBe(1);
        }
      }
    }
    // Two strings one byte apart (the second at the other parity), at every alignment.
    for (let at = 0; at < 18; at++) {
      const bytes = Buffer.alloc(at + 30, 0xe9);
      bytes.write('x.io', at, 'utf16le');
      bytes.write('y.io', at + 9, 'utf16le');
      const expected = referenceNetworkStrings(bytes);
      expect(networkStrings(bytes), `at ${at}`).toEqual(expected);
      expect(expected.length, `at ${at}`).toBe(2);
    }
  });

  it('values at the very end of the buffer', () => {
    const endings = [
      'http://abc',
      '1.2.3.4',
      '1.2.3.4:80',
      '1.2.3.4:',
      'a@b.co',
      'a@b.c',
      'x.example.com',
      'x.com',
      '1::',
      'a:b:c:d:e:f:1:2',
      '\\\\host\\',
      '\\\\host',
      'password=x',
      'password=',
      '/u:x',
      'ftp://a:b@',
    ];
    for (const end of endings) {
      for (const prefix of ['', 'x ', '\0\0']) {
        expectSame(prefix + end);
        const utf16 = Buffer.concat([Buffer.from([0x90, 0x90]), Buffer.from(prefix + end, 'utf16le')]);
        expect(networkStrings(utf16)).toEqual(referenceNetworkStrings(utf16));
      }
    }
  });

  it('more values than a kind keeps, and repeated values', () => {
    let text = '';
    for (let i = 0; i < 700; i++)
      text += `http://h${i % 600}.example.com/ 10.0.${i >> 8}.${i & 255} u${i}@x.org `;
    text += text;
    expectSame(text);
  });

  it('files of this repository: the same values', () => {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir).sort()) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else files.push(path);
      }
    };
    walk('src');
    walk('test/fixtures');
    files.push('README.md', 'package-lock.json');
    let values = 0;
    for (const file of files) {
      const bytes = readFileSync(file);
      const expected = referenceNetworkStrings(bytes);
      values += expected.length;
      expect(networkStrings(bytes), file).toEqual(expected);
    }
    expect(values).toBeGreaterThan(500);
  });

  it('past a 16 MiB window: values across the windows overlap', () => {
    const window = 16 * 1024 * 1024;
    const bytes = Buffer.alloc(window + 6000, 0x20);
    const place = (at: number, text: string): void => void bytes.write(text, at, 'latin1');
    place(window - 20, 'http://straddle.example.com/x 10.1.2.3 ');
    place(window + 10, 'password=late \\\\fs1\\s ');
    place(window + 4090, 'https://end.example.org/ ');
    place(100, 'http://early.example.com/');
    expect(networkStrings(bytes)).toEqual(referenceNetworkStrings(bytes));
  });

  it('IPv4 addresses and domains from one walk over the dots, and repeats known in place', () => {
    const texts = [
      // Dots an address skips over, then a domain right after it; digits and letters around dots.
      '10.0.0.1.example.com 1.2.3.4:80.example.com a1.2.3.4.io 1.2.3.4x.io 1.2.3.4.5.io 9.x.io 1.a.b.io',
      '1.2.3.4@x.io x@1.2.3.4.io 1.2.3.io.4 .1.2.3.4.io 1.2.3.4:.io 1.2.3.4:99999.io 1.2.3.4:123456.io',
      // The same match again right after itself, and others of the same length differing first or last.
      'http://x.com/a1 http://x.com/a1 http://x.com/a2 http://y.com/a2 HTTP://X.com/a2 http://x.com/a2',
      '10.1.1.1 10.1.1.1 10.1.1.2 20.1.1.2 10.1.1.1:80 10.1.1.1:81 x.io x.io y.io X.IO \\\\h\\ \\\\h\\ \\\\H\\',
      'password=a password=a password=b pass=a user:x user:x u@x.io u@x.io U@x.io v@x.io',
      // URL hosts: after the first or last `@`, bracketed, cut, defanged in the authority or the path.
      'HTTP://U@[FE80::1]/X http://[::1]). http://a(b@C.com/ http://A@B@c.com/x/(y) http://x.com/[z]',
      'http://h.example.com/1 http://h.example.com/22 http://H.example.com/3 ftp://h.example.com:21/',
    ];
    for (const text of texts) {
      expectSame(text);
      // Each word its own UTF-16LE string (repeats across strings), and the whole as one.
      const utf16 = Buffer.concat(
        text
          .split(' ')
          .map((word) => Buffer.concat([Buffer.from(word, 'utf16le'), Buffer.from([0xff, 0xfe])])),
      );
      expect(networkStrings(utf16)).toEqual(referenceNetworkStrings(utf16));
      const both = Buffer.concat([
        Buffer.from(text, 'latin1'),
        Buffer.from([0, 0xff]),
        Buffer.from(text, 'utf16le'),
      ]);
      expect(networkStrings(both)).toEqual(referenceNetworkStrings(both));
    }
  });

  it('a repeat in the next 16 MiB window and in UTF-16LE strings is still reported once', () => {
    const window = 16 * 1024 * 1024;
    const bytes = Buffer.alloc(window + 8000, 0xfe);
    const place = (at: number, text: string, encoding: BufferEncoding = 'latin1'): void =>
      void bytes.write(text, at, encoding);
    place(window - 100, ' http://same.example.com/a 10.9.8.7 ');
    // In the overlap (read by both windows) and after it.
    place(window + 100, ' http://same.example.com/a 10.9.8.7 ');
    place(window + 5000, ' http://same.example.com/a 10.9.8.7 ');
    place(window + 6000, 'http://same.example.com/a', 'utf16le');
    place(window + 6100, 'http://same.example.com/a', 'utf16le');
    const found = networkStrings(bytes);
    expect(found).toEqual(referenceNetworkStrings(bytes));
    // Once in the file, as first met: the repeats in the other window and in the UTF-16LE strings
    // are found by value (the in-place check only knows the text it is in).
    expect(found.filter((s) => s.value === 'http://same.example.com/a').map((s) => s.offset)).toEqual([
      window - 99,
    ]);
    expect(found.filter((s) => s.value === '10.9.8.7').map((s) => s.offset)).toEqual([window - 73]);
  });

  it('pathological input finishes (no backtracking blow-up)', () => {
    // Shapes that make a backtracking matcher retry: each is scanned once, with the result checked.
    const text =
      '1.'.repeat(100000) +
      '@' +
      'a-.'.repeat(50000) +
      ':0'.repeat(50000) +
      '\\\\a'.repeat(20000) +
      ('pass' + ' '.repeat(50)).repeat(2000) +
      'http://' +
      '='.repeat(50000);
    const found = scanned(text);
    expect(found).toEqual(reference(text));
    expect(found.length).toBeGreaterThan(0);
  });
});
