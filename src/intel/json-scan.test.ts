// The bundle scanner's string handling (string ends found by indexOf, a quote closed by an even run
// of backslashes) and the STIX id check (the uuid's `--` at a fixed place), on edge cases written here.
import { describe, expect, it } from 'vitest';
import { scanJsonArray } from './json-scan.js';
import { isStixId } from './uuid.js';

/** The elements the scanner hands over, as text, and its error code if any. */
function scan(text: string): { elements: string[]; error?: string; header: Record<string, unknown> } {
  const elements: string[] = [];
  const result = scanJsonArray(text, 'objects', (el) => elements.push(el.text));
  return { elements, header: result.header, ...(result.error ? { error: result.error.code } : {}) };
}

describe('scanJsonArray strings', () => {
  it('brackets, braces, commas and escaped quotes inside strings do not end an element', () => {
    const objects = [
      { s: 'a "quoted" ] } , { [ word' },
      { s: 'ends with a backslash \\' },
      { s: 'two \\\\ then a quote \\"' },
      { s: '\\\\\\"]' },
      'a bare "string" element',
      { k: ['"', '\\', '\\"', ''] },
    ];
    const text = JSON.stringify({ type: 'bundle', note: 'x"]}\\', objects });
    const { elements, error, header } = scan(text);
    expect(error).toBeUndefined();
    expect(elements.map((e) => JSON.parse(e) as unknown)).toEqual(objects);
    expect(header).toEqual({ type: 'bundle', note: 'x"]}\\' });
  });

  it('a string left open is a malformed element, and the elements before it are kept', () => {
    const { elements, error } = scan('{"objects":[{"a":"b"},{"a":"open \\" still open}]}');
    expect(elements).toEqual(['{"a":"b"}']);
    expect(error).toBe('INTEL_BAD_JSON');
    const bare = scan('["done", "not done\\"]');
    expect(bare.elements).toEqual(['"done"']);
    expect(bare.error).toBe('INTEL_BAD_JSON');
  });
});

describe('isStixId', () => {
  const uuid = '0b3b4a5c-1d2e-4f60-8a7b-9c0d1e2f3a4b';

  it('takes type--uuid with a type of lower-case letters, digits and inner hyphens', () => {
    for (const id of [
      `attack-pattern--${uuid}`,
      `x-mitre-tactic--${uuid}`,
      `a--${uuid}`,
      `ipv4-addr--${uuid.toUpperCase()}`,
    ])
      expect(isStixId(id), id).toBe(true);
    expect(isStixId(`attack-pattern--${uuid}`, 'attack-pattern')).toBe(true);
    expect(isStixId(`attack-pattern--${uuid}`, 'malware')).toBe(false);
    // A type holding `--` is an id; the type it is compared with is the part before the first `--`.
    expect(isStixId(`x--y--${uuid}`)).toBe(true);
    expect(isStixId(`x--y--${uuid}`, 'x')).toBe(true);
    expect(isStixId(`x--y--${uuid}`, 'x--y')).toBe(false);
  });

  it('refuses other shapes', () => {
    for (const id of [
      uuid,
      `--${uuid}`,
      `-a--${uuid}`,
      `a---${uuid}`,
      `A--${uuid}`,
      `a_b--${uuid}`,
      `a-${uuid}`,
      `a--${uuid}0`,
      `a--${uuid.slice(1)}`,
      `a--${uuid.replace(/-/g, '')}`,
      `a--${uuid.replace('0', 'g')}`,
      `a--${uuid}\n`,
      `${'a'.repeat(263)}--${uuid}`,
      42,
      undefined,
    ])
      expect(isStixId(id), String(id)).toBe(false);
    expect(isStixId(`${'a'.repeat(262)}--${uuid}`)).toBe(true);
  });
});
