// ESLint rule: outside src/routing, nothing reaches into the routing table's storage. The table's
// columns, its interned path pool and the speed-only hooks that once exposed them stay private to
// routing; other modules read routes through its read API (forEachRoute, forEachRouteOfPrefix,
// paths.read with a PathHops, sortPrefixIds, ipv4Network). Names are matched, so a cast to `any`
// or a bracket access with a string does not get around it.
import path from 'node:path';

/** Private storage of RoutingTable, its PrefixIndex and its WordInterners (src/routing/*.ts). */
export const STORAGE_NAMES = [
  'routePrefix',
  'routePeer',
  'routeAddPath',
  'routeAttributes',
  'routeTime',
  'routeNext',
  'prefixHead',
  'prefixRoutes',
  'prefixCrowded',
  'peerRoutes',
  'rawSets',
  'decodedSets',
  'pathWords',
  'poolArray',
  'prefixHighWord',
  'touchV4',
];

/** Hooks that existed only to let a consumer read storage for speed. */
export const SPEED_HOOKS = ['onPrefixRun', 'byPrefixId'];

/** Slot views that routing keeps public for its own visibility series only. */
export const DEPRECATED_VIEWS = ['routeSlotsOfPrefix'];

/** `columns()` is a table storage view when called on a table (VisibilitySeries.columns is public). */
const TABLE_RECEIVER = /(^|\.)(this\.)?\w*table$/i;

/** @type {import('eslint').Rule.RuleModule} */
export const routingInternalsRule = {
  meta: {
    type: 'problem',
    docs: {
      description: 'outside src/routing, read the routing table through its read API, not its storage',
    },
    schema: [],
    messages: {
      storage:
        "'{{name}}' is the routing table's private storage; use its read API (forEachRoute, paths.read, ...)",
      hook: "'{{name}}' was a speed-only hook into another module's storage; use the owner's read API",
      view: "'{{name}}' exposes the routing table's slots; use forEachRoute / forEachRouteOfPrefix",
    },
  },
  create(context) {
    const rel = path.relative(context.cwd, context.filename).split(path.sep).join('/');
    if (rel.startsWith('src/routing/')) return {};
    const source = context.sourceCode;
    function nameOf(node) {
      if (!node.computed && node.property.type === 'Identifier') return node.property.name;
      if (node.computed && node.property.type === 'Literal' && typeof node.property.value === 'string')
        return node.property.value;
      if (node.property.type === 'PrivateIdentifier') return undefined;
      return undefined;
    }
    function check(node, name) {
      if (name === undefined) return;
      if (STORAGE_NAMES.includes(name)) context.report({ node, messageId: 'storage', data: { name } });
      else if (SPEED_HOOKS.includes(name)) context.report({ node, messageId: 'hook', data: { name } });
      else if (DEPRECATED_VIEWS.includes(name)) context.report({ node, messageId: 'view', data: { name } });
    }
    return {
      MemberExpression(node) {
        const name = nameOf(node);
        check(node, name);
        if (name === 'columns' && TABLE_RECEIVER.test(source.getText(node.object).replace(/\s+/g, '')))
          context.report({ node, messageId: 'view', data: { name: 'columns' } });
      },
      // Object literals and interfaces that would re-create a hook (`{ onPrefixRun: ... }`).
      Property(node) {
        if (!node.computed && node.key.type === 'Identifier' && SPEED_HOOKS.includes(node.key.name))
          context.report({ node, messageId: 'hook', data: { name: node.key.name } });
      },
    };
  },
};

export default { rules: { 'routing-internals': routingInternalsRule } };
