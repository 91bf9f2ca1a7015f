// `npm run bench -- NAME`: runs bench/NAME.mjs (after the build that `npm run bench` does).
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const names = readdirSync(here)
  .filter((f) => f.endsWith('.mjs') && f !== 'run.mjs')
  .map((f) => f.slice(0, -4));
const wanted = process.argv.slice(2);
if (wanted.length === 0) {
  process.stderr.write(`usage: npm run bench -- <${names.join('|')}> [...]\n`);
  process.exit(1);
}
for (const name of wanted) {
  const file = join(here, `${name}.mjs`);
  if (!existsSync(file)) {
    process.stderr.write(`no benchmark '${name}' (have: ${names.join(', ')})\n`);
    process.exit(1);
  }
  await import(pathToFileURL(file).href);
}
