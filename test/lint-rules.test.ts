/**
 * The two lint rules that hold the map: `layering` (imports follow DESIGN.md and go through a
 * module's index) and `routing-internals` (nothing outside src/routing reads the table's storage).
 * Each is run by ESLint itself on snippets placed at paths inside src/.
 */
import path from 'node:path';
import { Linter, type ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

// Plain JavaScript without declarations: loaded by a path TypeScript does not resolve.
const rule = async (name: string): Promise<ESLint.Plugin> =>
  ((await import(`../eslint-rules/${name}.js`)) as { default: ESLint.Plugin }).default;
const cairn = await rule('layering');
const routing = await rule('routing-internals');

const ROOT = path.join(import.meta.dirname, '..');

function lint(file: string, code: string): string[] {
  const linter = new Linter({ cwd: ROOT });
  const messages = linter.verify(
    code,
    [
      {
        files: ['**/*.ts'],
        languageOptions: { parser: tseslint.parser as Linter.Parser, sourceType: 'module' },
        plugins: { cairn, routing },
        rules: { 'cairn/layering': 'error', 'routing/routing-internals': 'error' },
      },
    ],
    path.join(ROOT, file),
  );
  return messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('layering', () => {
  it('lets a face import app and errors, and nothing of the domain', () => {
    expect(lint('src/cli/x.ts', "import { countryReport } from '../app/index.js';")).toEqual([]);
    expect(lint('src/cli/x.ts', "import { CairnError } from '../errors/index.js';")).toEqual([]);
    const direct = lint('src/cli/x.ts', "import { RoutingTable } from '../routing/index.js';");
    expect(direct).toHaveLength(1);
    expect(direct[0]).toMatch(/module 'cli' may not import module 'routing'/);
    expect(lint('src/server/x.ts', "import { Observatory } from '../observatory/index.js';")).toHaveLength(1);
  });

  it('rejects an import against the direction, and one past a module index', () => {
    expect(lint('src/net/x.ts', "import { scanMrt } from '../mrt/index.js';")[0]).toMatch(/may not import/);
    expect(lint('src/bgp/x.ts', "import { MrtWriter } from '../mrt/index.js';")[0]).toMatch(/may not import/);
    expect(lint('src/observatory/x.ts', "import { RoutingTable } from '../routing/table.js';")[0]).toMatch(
      /reaches into module 'routing'/,
    );
    expect(lint('src/observatory/x.ts', "import { RoutingTable } from '../routing/index.js';")).toEqual([]);
  });
});

describe('routing-internals', () => {
  it('rejects the table storage, the old speed hooks and slot views outside src/routing', () => {
    expect(lint('src/observatory/x.ts', 'export const f = (t: any) => t.routePrefix[0];')[0]).toMatch(
      /'routePrefix' is the routing table's private storage/,
    );
    expect(lint('src/observatory/x.ts', "export const f = (t: any) => t['prefixHead'];")).toHaveLength(1);
    expect(lint('src/app/x.ts', 'export const hooks = { onPrefixRun() {} };')[0]).toMatch(/speed-only hook/);
    expect(lint('src/observatory/x.ts', 'export const f = (t: any) => t.byPrefixId;')).toHaveLength(1);
    expect(lint('src/observatory/x.ts', 'export const f = (table: any) => table.columns();')[0]).toMatch(
      /exposes the routing table's slots/,
    );
    expect(
      lint('src/observatory/x.ts', 'export const f = (t: any) => t.routeSlotsOfPrefix(1);'),
    ).toHaveLength(1);
  });

  it('allows the read API, other modules columns(), and routing itself', () => {
    expect(
      lint('src/observatory/x.ts', 'export const f = (table: any) => table.forEachRoute(() => {});'),
    ).toEqual([]);
    expect(lint('src/observatory/x.ts', 'export const f = (series: any) => series.columns();')).toEqual([]);
    expect(lint('src/routing/x.ts', 'export const f = (t: any) => t.routePrefix[0];')).toEqual([]);
  });
});
