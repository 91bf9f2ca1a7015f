import { describe, expect, it } from 'vitest';
import {
  CODE_MODULES,
  CairnError,
  ERROR_CATEGORIES,
  ERROR_CODES,
  HTTP_STATUS_BY_CATEGORY,
  ParseError,
  describeCode,
  errorCategory,
  isErrorCode,
  type ErrorCode,
} from './index.js';

const codes = Object.keys(ERROR_CODES) as ErrorCode[];

describe('error code catalogue', () => {
  it('documents every code with a description, an action and a known category', () => {
    expect(codes.length).toBeGreaterThan(0);
    for (const code of codes) {
      const spec = describeCode(code);
      expect(spec.description, code).toMatch(/^\S.{10,}[.)]$/s);
      expect(spec.action, code).toMatch(/^\S.{5,}[.)]$/s);
      expect(Object.keys(ERROR_CATEGORIES), code).toContain(spec.category);
      expect(errorCategory(code)).toBe(spec.category);
    }
  });

  it('names codes in upper snake case, each in one module only', () => {
    const seen = new Map<string, string>();
    for (const { module, codes: table } of CODE_MODULES) {
      for (const code of Object.keys(table)) {
        expect(code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/);
        expect(seen.get(code), `${code} is in ${seen.get(code)} and ${module}`).toBeUndefined();
        seen.set(code, module);
        expect(describeCode(code as ErrorCode).module).toBe(module);
      }
    }
    expect(seen.size).toBe(codes.length);
  });

  it('maps every category to an HTTP error status', () => {
    for (const category of Object.keys(ERROR_CATEGORIES) as (keyof typeof ERROR_CATEGORIES)[]) {
      const status = HTTP_STATUS_BY_CATEGORY[category];
      expect(status, category).toBeGreaterThanOrEqual(400);
      expect(status, category).toBeLessThan(600);
    }
    expect(HTTP_STATUS_BY_CATEGORY[errorCategory('NET_BAD_PREFIX')]).toBe(422);
    expect(HTTP_STATUS_BY_CATEGORY[errorCategory('CLI_BAD_OPTION')]).toBe(400);
    expect(HTTP_STATUS_BY_CATEGORY[errorCategory('INTEL_UNKNOWN_CASE')]).toBe(404);
    expect(HTTP_STATUS_BY_CATEGORY[errorCategory('MRT_NO_NATIVE_DECOMPRESSOR')]).toBe(503);
    expect(HTTP_STATUS_BY_CATEGORY[errorCategory('MRT_DECODE_FAILED')]).toBe(500);
  });

  it('tells catalogued codes from other strings', () => {
    expect(isErrorCode('MRT_TRUNCATED_RECORD')).toBe(true);
    expect(isErrorCode('MRT_TRUNCATED_RECRD')).toBe(false);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode('TABLE_DUMP_V2')).toBe(false);
  });
});

describe('CairnError', () => {
  it('carries its code, location and category', () => {
    const error = new CairnError('MRT_TRUNCATED_RECORD', 'record ends past end of file', {
      file: 'updates.gz',
      offset: 1234,
    });
    expect(error.code).toBe('MRT_TRUNCATED_RECORD');
    expect(error.category).toBe('input');
    expect(error.describe()).toBe(
      'MRT_TRUNCATED_RECORD: record ends past end of file (updates.gz, offset 1234)',
    );
    expect(error.toJSON()).toEqual({
      code: 'MRT_TRUNCATED_RECORD',
      message: 'record ends past end of file',
      file: 'updates.gz',
      offset: 1234,
    });
    const parse = new ParseError('NET_BAD_ASN', 'not an AS number', { field: 'asn' });
    expect(parse).toBeInstanceOf(CairnError);
    expect(parse.category).toBe('input');
  });

  it('accepts only catalogued codes (checked by tsc)', () => {
    // @ts-expect-error a misspelt code is not in the catalogue
    const typo = new CairnError('MRT_TRUNCATED_RECRD', 'typo');
    // @ts-expect-error a record-type name is not an error code
    const notACode = new ParseError('TABLE_DUMP_V2', 'not a code');
    expect(isErrorCode(typo.code)).toBe(false);
    expect(isErrorCode(notACode.code)).toBe(false);
    const narrow: CairnError<'HASH_BAD_TLSH'> = new CairnError('HASH_BAD_TLSH', 'narrowed');
    // @ts-expect-error a narrowed error takes only its own code
    const wrong: CairnError<'HASH_BAD_TLSH'> = new CairnError('HASH_BAD_SSDEEP', 'other');
    expect(narrow.code).toBe('HASH_BAD_TLSH');
    expect(wrong.code).toBe('HASH_BAD_SSDEEP');
  });
});
