// The checks `npm test` runs before the unit suite: the build (dist/ and web/dist/, which the
// tests run), the type checks, eslint and prettier. They are independent single-threaded tools,
// so they run side by side, as many at a time as there are cores, longest first; each step's
// output is printed in one piece when it ends. Exits non-zero when any step failed (every step
// runs to the end, so one run shows every failure).
//
//   node scripts/checks.mjs
//
// The type checks are one `tsc -b` over tsconfig.test.json and web/tsconfig.json: it builds src/
// into dist/ with every check (tsconfig.build.json), then checks the tests and the web workspace
// against the declarations it emitted, instead of checking src/ again for each (as `npm run build`
// then `npm run typecheck` do).
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (tool) => join(root, 'node_modules', '.bin', tool);

/** Longest first (CPU seconds on a quiet machine decide the order, not the result). */
const steps = [
  {
    name: 'tsc -b tsconfig.test.json web/tsconfig.json (build src/, check tests and web/)',
    command: [bin('tsc'), '-b', 'tsconfig.test.json', 'web/tsconfig.json'],
  },
  { name: 'eslint .', command: [bin('eslint'), '.'] },
  // TypeScript and JavaScript parsed by Oxc (@prettier/plugin-oxc, .prettierrc.json): the same
  // printer with a cheaper parser, so this lane ends before tsc's (bench/RESULTS-suite.md).
  { name: 'prettier --check .', command: [bin('prettier'), '--check', '.'] },
  { name: 'build web/', command: [process.execPath, 'scripts/build-web.mjs'] },
];

function run(step) {
  return new Promise((resolve) => {
    const started = performance.now();
    const [command, ...args] = step.command;
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => {
      output += `${error.message}\n`;
    });
    child.on('close', (code, signal) => {
      const ok = code === 0;
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      const status = ok ? 'ok' : `failed (${signal ?? `exit ${code}`})`;
      process.stdout.write(`checks: ${step.name}: ${status}, ${seconds} s\n${output}`);
      resolve(ok);
    });
  });
}

const queue = [...steps];
const slots = Math.max(1, Math.min(availableParallelism(), steps.length));
const results = await Promise.all(
  Array.from({ length: slots }, async () => {
    const passed = [];
    for (let step = queue.shift(); step !== undefined; step = queue.shift()) passed.push(await run(step));
    return passed.every(Boolean);
  }),
);
if (!results.every(Boolean)) {
  process.stderr.write('checks: a step failed (see above)\n');
  process.exitCode = 1;
}
