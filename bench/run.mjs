// `npm run bench -- NAME [ARG...]`: runs bench/NAME.mjs with ARG... as its own arguments (after
// the build that `npm run bench` does), in a process of its own, so that it sees exactly the
// arguments meant for it (input files, --daemon ...).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const names = readdirSync(here)
  .filter((f) => f.endsWith('.mjs') && f !== 'run.mjs')
  .map((f) => f.slice(0, -4));
const [name, ...args] = process.argv.slice(2);
if (name === undefined) {
  process.stderr.write(`usage: npm run bench -- <${names.join('|')}> [arguments of that benchmark]\n`);
  process.exit(1);
}
const file = join(here, `${name}.mjs`);
if (!existsSync(file)) {
  process.stderr.write(`no benchmark '${name}' (have: ${names.join(', ')})\n`);
  process.exit(1);
}
const run = spawnSync(process.execPath, [file, ...args], { stdio: 'inherit' });
process.exit(run.status ?? 1);
