// ESLint rule that enforces the direction of dependencies drawn in DESIGN.md: a module under src/
// may import only the modules below it, and only through their index.ts (their public surface).
import path from 'node:path';

/** Sub-modules with a public surface of their own (DESIGN.md: the collector lives in bgp/collector/). */
export const SUBMODULE_SURFACES = {
  bgp: ['collector/index.js', 'collector/index.ts', 'collector/index'],
  // app/mrt.ts loads only the decoder: `cairn mrt dump` starts without the rest of app and zod;
  // app/country.ts only what the country questions need (no intel, collector or store).
  // app/input-limits.ts: the input limits every command sets, without loading the rest of app
  // (nor the readers of app/input-file.ts, which load mrt's index).
  app: [
    'mrt.js',
    'mrt.ts',
    'mrt',
    'country.js',
    'country.ts',
    'country',
    'input-limits.js',
    'input-limits.ts',
    'input-limits',
    // app/collect.ts: `cairn collect` without the store, DuckDB and the intel code.
    'collect.js',
    'collect.ts',
    'collect',
    // app/surface-<face>.ts: thin re-exports, each what a group of commands needs and no more.
    ...['ach', 'bus', 'demo', 'fetch', 'intel', 'outages', 'sample', 'store', 'whatif'].flatMap((name) => [
      `surface-${name}.js`,
      `surface-${name}.ts`,
      `surface-${name}`,
    ]),
  ],
  // intel/sample/analyze.ts: the byte analysis alone, what the sample worker threads load.
  intel: ['sample/analyze.js', 'sample/analyze.ts', 'sample/analyze'],
  // server/listen.ts: the listener `cairn serve` starts before loading Fastify, zod and app.
  server: ['listen.js', 'listen.ts', 'listen'],
};

/** Which modules each module may import (DESIGN.md, "Dependencies point one way"). */
export const ALLOWED = {
  errors: [],
  net: ['errors'],
  hash: ['errors'],
  bgp: ['errors', 'net'],
  mrt: ['errors', 'net', 'bgp'],
  registry: ['errors', 'net'],
  routing: ['errors', 'net', 'bgp', 'mrt', 'registry'],
  observatory: ['errors', 'net', 'bgp', 'mrt', 'registry', 'routing'],
  intel: ['errors', 'net', 'registry', 'hash'],
  feeds: ['errors', 'net', 'bgp', 'mrt', 'registry', 'routing', 'observatory'],
  store: ['errors', 'net', 'bgp', 'mrt', 'registry', 'routing', 'observatory', 'intel', 'hash', 'feeds'],
  app: [
    'errors',
    'net',
    'bgp',
    'mrt',
    'registry',
    'routing',
    'observatory',
    'intel',
    'hash',
    'feeds',
    'store',
  ],
  // The faces are thin: they parse, call app/ and render; domain types come through app's surface.
  server: ['errors', 'app'],
  // `cairn serve` starts the server face; nothing else in cli touches it.
  cli: ['errors', 'app', 'server'],
};

function moduleOf(file, srcRoot) {
  const rel = path.relative(srcRoot, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  const [first, ...rest] = rel.split(path.sep);
  return rest.length === 0 ? undefined : { name: first, inner: rest.join('/') };
}

/** @type {import('eslint').Rule.RuleModule} */
export const layeringRule = {
  meta: {
    type: 'problem',
    docs: { description: 'imports between src/ modules follow DESIGN.md and go through index.ts' },
    schema: [],
    messages: {
      direction: "module '{{from}}' may not import module '{{to}}' (DESIGN.md allows: {{allowed}})",
      surface: "import '{{source}}' reaches into module '{{to}}'; import its index.js instead",
      unknown: "'{{to}}' is not a module of DESIGN.md; add it to eslint-rules/layering.js and the map",
    },
  },
  create(context) {
    const file = context.filename;
    const srcRoot = path.resolve(context.cwd, 'src');
    const from = moduleOf(file, srcRoot);
    if (!from) return {};
    function check(node) {
      const source = node.source && node.source.value;
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const target = moduleOf(path.resolve(path.dirname(file), source), srcRoot);
      if (!target || target.name === from.name) return;
      const allowed = ALLOWED[from.name];
      if (!allowed || !(target.name in ALLOWED)) {
        context.report({ node, messageId: 'unknown', data: { to: allowed ? target.name : from.name } });
        return;
      }
      if (!allowed.includes(target.name)) {
        context.report({
          node,
          messageId: 'direction',
          data: { from: from.name, to: target.name, allowed: allowed.join(', ') || 'nothing' },
        });
        return;
      }
      const surfaces = ['index.js', 'index.ts', 'index', ...(SUBMODULE_SURFACES[target.name] ?? [])];
      if (!surfaces.includes(target.inner)) {
        context.report({ node, messageId: 'surface', data: { source, to: target.name } });
      }
    }
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};

export default { rules: { layering: layeringRule } };
