// Summary of a V8 .cpuprofile (node --cpu-prof): self time per function and per file, as shares
// of the busy time (idle left out). Files under dist/ are named by their src/ .ts source.
import { readFileSync } from 'node:fs';

function fileName(url, root) {
  if (url === '') return '(native / V8)';
  let path = url.replace(/^file:\/\//, '');
  if (path.startsWith(root)) path = path.slice(root.length + 1);
  if (path.startsWith('dist/')) return 'src/' + path.slice(5).replace(/\.js$/, '.ts');
  if (path.startsWith('node:')) return path;
  const nm = path.indexOf('node_modules/');
  if (nm >= 0) return path.slice(nm);
  return path;
}

/** { busyMs, functions: [{ name, file, ms, share }], files: [{ file, ms, share }] } (top 15 each). */
export function summariseProfile(path, root) {
  const profile = JSON.parse(readFileSync(path, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }
  const functions = new Map();
  const files = new Map();
  let busy = 0;
  for (const [id, ms] of self) {
    const { functionName, url } = byId.get(id).callFrame;
    if (functionName === '(idle)') continue;
    busy += ms;
    const file = functionName.startsWith('(') ? functionName : fileName(url, root);
    const key = `${functionName || '(anonymous)'}\t${file}`;
    functions.set(key, (functions.get(key) ?? 0) + ms);
    files.set(file, (files.get(file) ?? 0) + ms);
  }
  const top = (map, shape) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([k, ms]) => ({ ...shape(k), ms, share: ms / busy }));
  return {
    busyMs: busy,
    functions: top(functions, (k) => {
      const [name, file] = k.split('\t');
      return { name, file };
    }),
    files: top(files, (file) => ({ file })),
  };
}
