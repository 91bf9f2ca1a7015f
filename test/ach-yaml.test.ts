/**
 * YAML case files with the real `yaml` package: the shipped Sony case in YAML reads the same as
 * its JSON twin, and YAML-specific hazards (duplicate keys, alias bombs) are rejected.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'yaml';
import { describe, expect, it } from 'vitest';
import { analyzeAch, parseAchCase, yamlParserFromModule } from '../src/intel/index.js';

const CASES = join(import.meta.dirname, '..', 'cases');
const parser = yamlParserFromModule(yaml);

describe('ACH case files in YAML', () => {
  it('the YAML Sony case equals the JSON one, item for item, and ranks the same', () => {
    const fromJson = parseAchCase(readFileSync(join(CASES, 'sony-pictures-2014.json')), { format: 'json' });
    const fromYaml = parseAchCase(readFileSync(join(CASES, 'sony-pictures-2014.yaml')), {
      format: 'yaml',
      yaml: parser,
    });
    if (!fromJson.ok || !fromYaml.ok) throw new Error('the shipped case files must parse');
    expect(fromYaml.achCase).toEqual(fromJson.achCase);
    expect(analyzeAch(fromYaml.achCase)).toEqual(analyzeAch(fromJson.achCase));
  });

  it('rejects duplicate keys and alias bombs with a path', () => {
    const duplicate = parseAchCase('title: a\ntitle: b\n', {
      format: 'yaml',
      yaml: parser,
      file: 'dup.yaml',
    });
    expect(duplicate.ok).toBe(false);
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i++)
      bomb.push(
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`,
      );
    const exploded = parseAchCase(bomb.join('\n') + '\n', {
      format: 'yaml',
      yaml: parser,
      file: 'bomb.yaml',
    });
    expect(exploded.ok).toBe(false);
  });
});
