// Runs the tests with every core kept busy, to show that they pass on a loaded machine (no test
// may depend on how fast it runs). One busy Node loop per core, pinned to it with taskset when
// taskset is on PATH, runs for the whole of the tests; the loops are killed on every way out
// (end, failure, Ctrl-C, SIGTERM) and stop by themselves if this script dies without a word
// (they watch their parent).
//
//   npm run test:under-load                    build, then the unit and the live suites
//   npm run test:under-load -- <vitest args>   vitest run <args> only (e.g. a file or a project)
//
// Exits non-zero when a suite fails, when the build fails, or when a busy loop did not last the
// whole run (the run would then not have been under load).
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const vitestArgs = process.argv.slice(2);
const cores = availableParallelism();
const onPath = (tool) => spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
const pin = onPath('taskset');

// Spins until its parent is gone (the parent's pid is read again now and then, not cached).
const BUSY_LOOP = `
const parent = Number(process.argv[1]);
let spins = 0;
for (;;) {
  if (++spins % 50_000_000 === 0 && process.ppid !== parent) process.exit(0);
}`;

/** @type {import('node:child_process').ChildProcess[]} */
const busy = [];
/** @type {import('node:child_process').ChildProcess | undefined} */
let running;
let stopping = false;

function stopBusy() {
  for (const child of busy) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** CPU seconds a process has used (utime + stime from /proc), or undefined off Linux. */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

function startBusy() {
  for (let core = 0; core < cores; core++) {
    const node = [process.execPath, '-e', BUSY_LOOP, String(process.pid)];
    const [command, ...args] = pin ? ['taskset', '-c', String(core), ...node] : node;
    const child = spawn(command, args, { stdio: 'ignore' });
    child.on('exit', (code, signal) => {
      if (!stopping)
        process.stderr.write(`test-under-load: busy loop on core ${core} ended (${signal ?? code})\n`);
    });
    busy.push(child);
  }
  process.stderr.write(
    `test-under-load: ${cores} busy loop${cores === 1 ? '' : 's'}` +
      (pin ? ', one pinned on each core (taskset)' : ' (taskset not found: not pinned)') +
      `: ${busy.map((child) => child.pid).join(', ')}\n`,
  );
}

/**
 * Runs a command in the repository, output through, in a process group of its own so that a
 * signal reaches its children too (vitest's workers, the tools they spawn); resolves to its exit
 * status.
 */
function run(command, args) {
  process.stderr.write(`test-under-load: ${command} ${args.join(' ')}\n`);
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit', detached: true });
    running = child;
    child.on('error', (error) => {
      process.stderr.write(`test-under-load: cannot run ${command}: ${error.message}\n`);
      resolve(1);
    });
    child.on('exit', (code, signal) => {
      running = undefined;
      resolve(code ?? (signal === null ? 1 : 128));
    });
  });
}

const vitest = [process.execPath, join(root, 'node_modules', 'vitest', 'vitest.mjs')];
const tsc = [process.execPath, join(root, 'node_modules', 'typescript', 'bin', 'tsc')];

/** Stops the command running (its whole process group) and the busy loops. */
function stopAll(signal) {
  stopping = true;
  if (running?.pid !== undefined) {
    try {
      process.kill(-running.pid, signal);
    } catch {
      // already gone
    }
  }
  stopBusy();
}

process.on('exit', stopBusy);
for (const [signal, status] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
]) {
  process.on(signal, () => {
    stopAll(signal);
    process.exit(status);
  });
}
process.on('uncaughtException', (error) => {
  process.stderr.write(`test-under-load: ${error.stack ?? error}\n`);
  stopAll('SIGTERM');
  process.exit(1);
});

async function main() {
  const steps =
    vitestArgs.length > 0
      ? [['vitest', [...vitest, 'run', ...vitestArgs]]]
      : [
          ['unit suite', [...vitest, 'run', '--project', 'unit']],
          ['live suite', [...vitest, 'run', '--project', 'live']],
        ];
  // The tests spawn the built CLI (dist/cli/main.js) and the live cluster's workspace test serves
  // the built web UI (web/dist): build both, as `npm run build` does, before the load starts.
  if (
    vitestArgs.length === 0 &&
    ((await run(tsc[0], [tsc[1], '-p', 'tsconfig.build.json'])) !== 0 ||
      (await run(process.execPath, [join(root, 'scripts', 'build-web.mjs')])) !== 0)
  ) {
    process.stderr.write('test-under-load: the build failed\n');
    return 1;
  }
  startBusy();
  const started = performance.now();
  const failed = [];
  for (const [label, [command, ...args]] of steps) {
    if ((await run(command, args)) !== 0) failed.push(label);
  }
  const wall = (performance.now() - started) / 1000;
  const gone = busy.filter((child) => child.exitCode !== null || child.signalCode !== null);
  const cpu = busy.map((child) => cpuSeconds(child.pid));
  stopping = true;
  stopBusy();
  if (cpu.every((seconds) => seconds !== undefined)) {
    const used = cpu.map((seconds) => seconds.toFixed(0)).join(' + ');
    process.stderr.write(`test-under-load: busy loops used ${used} CPU s over ${wall.toFixed(0)} s\n`);
  }
  if (gone.length > 0) {
    process.stderr.write(`test-under-load: ${gone.length} busy loop(s) ended early: not a run under load\n`);
    return 1;
  }
  if (failed.length > 0) {
    process.stderr.write(`test-under-load: FAILED under load: ${failed.join(', ')}\n`);
    return 1;
  }
  process.stderr.write(`test-under-load: passed under load (${steps.map(([label]) => label).join(', ')})\n`);
  return 0;
}

process.exitCode = await main();
