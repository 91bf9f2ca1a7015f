// What holds a heap: reads a V8 .heapsnapshot (from `v8.writeHeapSnapshot()`, any size: it is
// read line by line, not with JSON.parse, which cannot take a string of a gigabyte) and prints the
// paths from the root down which most bytes hang, then the self size by object type and name.
//
//   node --max-old-space-size=12000 bench/heap-holders.mjs FILE.heapsnapshot [MIN_MB] [DEPTH]
//
// "Hangs below" is a breadth-first tree from the root, weak edges left out: each object is
// counted under the first path that reaches it. That is not the dominator tree (an object reached
// by two paths counts under one), but the big holders come out the same and it takes one pass.
// A snapshot of 1 GB (14 M objects, 41 M references) takes about 45 s of CPU and 2.5 GB.
// Used in bench/RESULTS-suite.md (2026-12-06, suite16) to find what test files leave alive.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

const [file, minMb = '20', maxDepth = '30'] = process.argv.slice(2);
if (file === undefined) {
  console.error('usage: node bench/heap-holders.mjs FILE.heapsnapshot [MIN_MB] [DEPTH]');
  process.exit(2);
}

/** The snapshot's numbers and strings. V8 writes one node, one edge or one string a line. */
async function readSnapshot(path) {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let header = '';
  let meta;
  let section = 'header';
  let nodes;
  let edges;
  let nodeAt = 0;
  let edgeAt = 0;
  const strings = [];
  const numbers = (text, into, at) => {
    for (const n of text.split(',')) if (n !== '') into[at++] = Number(n);
    return at;
  };
  for await (const line of lines) {
    if (section === 'header') {
      header += line;
      const start = header.indexOf('"nodes":[');
      if (start < 0) continue;
      meta = JSON.parse(`${header.slice(0, start).replace(/,$/, '')}}`).snapshot;
      nodes = new Float64Array(meta.node_count * meta.meta.node_fields.length);
      edges = new Float64Array(meta.edge_count * meta.meta.edge_fields.length);
      section = 'nodes';
      nodeAt = numbers(header.slice(start + 9), nodes, nodeAt);
    } else if (section === 'strings') {
      let text = line.startsWith(',') ? line.slice(1) : line;
      if (text.endsWith(']}')) {
        text = text.slice(0, -2);
        section = 'other';
      } else if (text.endsWith(',')) text = text.slice(0, -1);
      if (text !== '' && text !== ']') strings.push(JSON.parse(text));
    } else if (line.startsWith('"edges":[')) {
      section = 'edges';
      edgeAt = numbers(line.slice(9), edges, edgeAt);
    } else if (line.startsWith('"strings":[')) {
      section = 'strings';
      const rest = line.slice(11).replace(/,$/, '');
      if (rest !== '') strings.push(JSON.parse(rest));
    } else if (line.startsWith('"')) section = 'other';
    else if (section === 'nodes') nodeAt = numbers(line, nodes, nodeAt);
    else if (section === 'edges') edgeAt = numbers(line, edges, edgeAt);
  }
  return { meta: meta.meta, count: meta.node_count, nodes, edges, edgeEnd: edgeAt, strings };
}

const { meta, count, nodes, edges, edgeEnd, strings } = await readSnapshot(file);
const NF = meta.node_fields.length;
const EF = meta.edge_fields.length;
const TYPE = meta.node_fields.indexOf('type');
const NAME = meta.node_fields.indexOf('name');
const ID = meta.node_fields.indexOf('id');
const SIZE = meta.node_fields.indexOf('self_size');
const EDGES = meta.node_fields.indexOf('edge_count');
const nodeTypes = meta.node_types[TYPE];
const edgeTypes = meta.edge_types[meta.edge_fields.indexOf('type')];
const E_NAME = meta.edge_fields.indexOf('name_or_index');
const E_TO = meta.edge_fields.indexOf('to_node');

const firstEdge = new Float64Array(count + 1);
for (let i = 0, e = 0; i < count; i++) {
  firstEdge[i] = e;
  e += nodes[i * NF + EDGES] * EF;
}
firstEdge[count] = edgeEnd;

// Breadth-first from the root (node 0), weak edges left out.
const parentEdge = new Float64Array(count).fill(-1);
const order = new Int32Array(count);
let head = 0;
let tail = 0;
order[tail++] = 0;
parentEdge[0] = -2;
while (head < tail) {
  const i = order[head++];
  for (let e = firstEdge[i]; e < firstEdge[i + 1]; e += EF) {
    if (edgeTypes[edges[e]] === 'weak') continue;
    const to = edges[e + E_TO] / NF;
    if (parentEdge[to] !== -1) continue;
    parentEdge[to] = e;
    order[tail++] = to;
  }
}
const fromOf = (e) => {
  // the node whose edge list holds edge e (binary search over firstEdge)
  let lo = 0;
  let hi = count - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (firstEdge[mid] <= e) lo = mid;
    else hi = mid - 1;
  }
  return lo;
};
const below = new Float64Array(count);
const parent = new Int32Array(count).fill(-1);
for (let k = tail - 1; k >= 0; k--) {
  const i = order[k];
  below[i] += nodes[i * NF + SIZE];
  if (k > 0) {
    parent[i] = fromOf(parentEdge[i]);
    below[parent[i]] += below[i];
  }
}

const mb = (bytes) => `${(bytes / 1048576).toFixed(1)} MB`;
const nodeText = (i) =>
  `${nodeTypes[nodes[i * NF + TYPE]]} ${JSON.stringify(String(strings[nodes[i * NF + NAME]]).slice(0, 60))} @${nodes[i * NF + ID]}`;
const edgeText = (e) => {
  const type = edgeTypes[edges[e]];
  const v = edges[e + E_NAME];
  return type === 'element' || type === 'hidden' ? `[${v}]` : String(strings[v]).slice(0, 80);
};
const children = new Map();
for (let k = 1; k < tail; k++) {
  const i = order[k];
  if (below[i] < Number(minMb) * 1048576) continue;
  const list = children.get(parent[i]) ?? [];
  list.push(i);
  children.set(parent[i], list);
}
console.log(`${tail} of ${count} objects reachable, ${mb(below[0])}`);
const print = (i, depth) => {
  if (depth > Number(maxDepth)) return;
  for (const child of (children.get(i) ?? []).sort((a, b) => below[b] - below[a])) {
    console.log(
      `${'  '.repeat(depth)}${edgeText(parentEdge[child])} -> ${nodeText(child)} ${mb(below[child])}`,
    );
    print(child, depth + 1);
  }
};
print(0, 0);

const byKind = new Map();
for (let i = 0; i < count; i++) {
  const kind = `${nodeTypes[nodes[i * NF + TYPE]]} ${JSON.stringify(String(strings[nodes[i * NF + NAME]]).slice(0, 40))}`;
  const sum = byKind.get(kind) ?? { bytes: 0, count: 0 };
  sum.bytes += nodes[i * NF + SIZE];
  sum.count++;
  byKind.set(kind, sum);
}
console.log('--- self size by type and name');
for (const [kind, { bytes, count: n }] of [...byKind].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 25))
  console.log(`${mb(bytes)}  ${n}  ${kind}`);
