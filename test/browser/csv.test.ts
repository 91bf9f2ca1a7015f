/**
 * The workspace's CSV writer and file names, without a browser: RFC 4180 quoting (commas, quotes,
 * line breaks), the spreadsheet formula guard on text cells (numbers stay numbers), and file names
 * that keep only safe characters of the state they carry. The values here are SYNTHETIC.
 */
import { describe, expect, it } from 'vitest';
import { fileName, toCsv } from '../../web/src/download.js';

describe('toCsv', () => {
  it('quotes cells holding a comma, a quote or a line break, and ends rows in CRLF', () => {
    expect(
      toCsv(
        ['a', 'b'],
        [
          ['x,y', 'say "hi"'],
          ['line\nbreak', 'cr\rhere'],
        ],
      ),
    ).toBe('a,b\r\n"x,y","say ""hi"""\r\n"line\nbreak","cr\rhere"\r\n');
  });

  it('guards text cells a spreadsheet would run, not numbers', () => {
    const rows = [['=1+2', '+1', '-x', '@SUM(A1)', '\tx', '\rx', -5, 0.25, 'a=b']];
    expect(toCsv(['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'c9'], rows).split('\r\n')[1]).toBe(
      `'=1+2,'+1,'-x,'@SUM(A1),'\tx,"'\rx",-5,0.25,a=b`,
    );
    expect(toCsv(['f'], [['=HYPERLINK("http://127.0.0.1/","a,b")']]).split('\r\n')[1]).toBe(
      `"'=HYPERLINK(""http://127.0.0.1/"",""a,b"")"`,
    );
  });

  it('writes absent values as empty cells and booleans as words', () => {
    expect(toCsv(['a', 'b', 'c', 'd'], [[undefined, null, true, false]])).toBe('a,b,c,d\r\n,,true,false\r\n');
  });
});

describe('fileName', () => {
  it('names the view and its state with safe characters only', () => {
    expect(fileName(['country', 'KP', '2014-12-22'], 'csv')).toBe('cairn-country-KP-2014-12-22.csv');
    expect(fileName(['prefix', '175.45.176.0/24', undefined, false, null, ''], 'json')).toBe(
      'cairn-prefix-175.45.176.0_24.json',
    );
    expect(fileName(['cases', 'q-../../etc/passwd'], 'csv')).toBe('cairn-cases-q-.._.._etc_passwd.csv');
    expect(fileName(['as', 4837, '<script>'], 'png')).toBe('cairn-as-4837-script.png');
  });
});
