/**
 * Belt and braces beyond the type check: the sources are scanned for code literals, so a code
 * that reaches `CairnError` through an untyped path (a cast, a string built at run time, a file
 * tsc does not see) is still caught, and a catalogued code that nothing raises any more is noticed.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, isErrorCode } from './index.js';

const SRC = fileURLToPath(new URL('..', import.meta.url));

/** Upper-snake-case literals in the sources that are not error codes, each with the reason. */
const NOT_CODES: Record<string, string> = {
  CAIRN_ELEMENTS: 'NATS JetStream stream name of the element bus',
  TABLE_DUMP: 'MRT record type name (RFC 6396)',
  TABLE_DUMP_V2: 'MRT record type name (RFC 6396)',
  TABLE_DUMP2: 'bgpdump output record kind',
  TABLE_DUMP2_AP: 'bgpdump output record kind (ADD-PATH)',
  BGP4MP_ET: 'MRT record type name (RFC 6396)',
  STATE_CHANGE: 'MRT BGP4MP subtype name',
  PREF_UPDATE: 'BGP4MP subtype name in bgpdump output',
  AS_PATH: 'BGP path attribute name',
  AS4_AGGREGATOR: 'BGP path attribute name',
  NEXT_HOP: 'BGP path attribute name',
  LOCAL_PREF: 'BGP path attribute name',
  MULTI_EXIT_DISC: 'BGP path attribute name',
  ORIGINATOR_ID: 'BGP path attribute name',
  CLUSTER_LIST: 'BGP path attribute name',
  EXTENDED_COMMUNITIES: 'BGP path attribute name',
  LARGE_COMMUNITIES: 'BGP path attribute name',
  TOO_SHORT: 'TLSH reason for giving no digest (a result, not an error)',
  TOO_LONG: 'TLSH reason for giving no digest (a result, not an error)',
  TOO_UNIFORM: 'TLSH reason for giving no digest (a result, not an error)',
  ERR_BUFFER_TOO_LARGE: "Node's zlib error code, compared against",
  ERR_STREAM_DESTROYED:
    'Node stream error code of a write after the pipe closed, compared against (cli/io.ts)',
  Z_BUF_ERROR: "zlib's error code, compared against",
  RIS_PEER_STATE: 'RIS Live message type name (a RIS peer session changed state)',
  CAIRN_RIS_URL: 'environment variable: base URL of the RIS archive (feeds)',
  CAIRN_ROUTEVIEWS_URL: 'environment variable: base URL of the RouteViews archive (feeds)',
  CAIRN_RIR_URL: 'environment variable: base URL of the RIR statistics (feeds)',
  CAIRN_ASNAMES_URL: 'environment variable: URL of the AS names file (feeds)',
};

interface SourceFile {
  path: string;
  text: string;
  isTest: boolean;
}

function sources(dir: string): SourceFile[] {
  const files: SourceFile[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sources(full));
    else if (entry.name.endsWith('.ts'))
      files.push({
        path: relative(SRC, full),
        text: readFileSync(full, 'utf8'),
        isTest: entry.name.endsWith('.test.ts'),
      });
  }
  return files;
}

const files = sources(SRC);
const outsideErrors = files.filter((f) => !f.path.startsWith('errors/'));
const CODE_LITERAL = /'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)'/g;

/** CairnError and every class that extends it (directly or not), by name. */
function errorClasses(): Set<string> {
  const classes = new Set(['CairnError']);
  const extensions = files.flatMap((f) =>
    [...f.text.matchAll(/class\s+(\w+)(?:<[^>{]*>)?\s+extends\s+(\w+)/g)].map((m) => [m[1], m[2]] as const),
  );
  for (let grown = true; grown;) {
    grown = false;
    for (const [name, base] of extensions) {
      if (classes.has(base) && !classes.has(name)) {
        classes.add(name);
        grown = true;
      }
    }
  }
  return classes;
}

describe('error codes in the sources', () => {
  it('finds the error classes', () => {
    const classes = errorClasses();
    for (const name of ['ParseError', 'BgpMessageError', 'PatternError', 'AchCaseError'])
      expect(classes).toContain(name);
  });

  it('builds errors only with catalogued codes', () => {
    const classes = [...errorClasses()].join('|');
    const construction = new RegExp(`new\\s+(?:${classes})\\s*(?:<[^>(]*>)?\\(\\s*'([^']*)'`, 'g');
    const found: string[] = [];
    const uncatalogued: string[] = [];
    for (const file of files) {
      for (const match of file.text.matchAll(construction)) {
        found.push(match[1]);
        if (!isErrorCode(match[1]) && !file.path.startsWith('errors/'))
          uncatalogued.push(`${file.path}: ${match[1]}`);
      }
    }
    expect(found.length).toBeGreaterThan(50);
    expect(uncatalogued).toEqual([]);
  });

  it('has no code-like literal outside the catalogue except the known names', () => {
    const unknown = new Set<string>();
    for (const file of outsideErrors) {
      if (file.isTest) continue;
      for (const [, literal] of file.text.matchAll(CODE_LITERAL)) {
        if (!isErrorCode(literal) && !Object.hasOwn(NOT_CODES, literal))
          unknown.add(`${file.path}: ${literal}`);
      }
    }
    expect([...unknown]).toEqual([]);
  });

  it('raises every catalogued code somewhere, and keeps NOT_CODES apart from the catalogue', () => {
    const literals = new Set<string>();
    for (const file of outsideErrors) {
      if (file.isTest) continue;
      for (const [, literal] of file.text.matchAll(CODE_LITERAL)) literals.add(literal);
    }
    expect(Object.keys(ERROR_CODES).filter((code) => !literals.has(code))).toEqual([]);
    expect(Object.keys(NOT_CODES).filter((name) => isErrorCode(name))).toEqual([]);
  });
});
