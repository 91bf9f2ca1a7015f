// `cairn intel sample` over a folder of generated files against the reference tools over the same
// folder in the same run: sha256sum, `ssdeep -r` and `yara -r`, each timed as a whole process.
//
//   npm run bench -- sample            (FILES=5000 REPEAT=3 by default)
//
// Inputs (generated here, synthetic, in a temporary folder): FILES files of 1 to 64 KiB, a third
// random bytes, a third text with URLs, addresses, UNC paths and credentials, a third PE files
// (test/fixtures/pe/plain.c built once with MinGW-w64 when x86_64-w64-mingw32-gcc is installed,
// each copy with its own timestamp and an overlay of random bytes; random bytes otherwise).
// Every command reads every file; cairn computes md5, sha1, sha256, ssdeep, TLSH, PE traits and
// strings per file (the whole report, --json to /dev/null), and a second row adds the YARA rules;
// a last row times yara alone as that row runs it (compiled rules, a scan list, -s).
// The machine is shared and noisy: the commands run in turns, REPEAT rounds, and each one's best
// run is reported (a slow spell of the host falls on every row alike). Each CLI (and BEFORE_CLI)
// keeps the rules' actors it derives in a cache folder of its own, warmed before the rounds: the
// cache is one file keyed by the build, so two builds sharing it would derive the actors again
// in every --rules run (300-500 ms of CPU), as would other builds run on the host meanwhile.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FILES = Math.max(1, Number(process.env.FILES ?? 5000));
const REPEAT = Math.max(1, Number(process.env.REPEAT ?? 3));
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist/cli/main.js');
// Before/after in one run: BEFORE_CLI names an earlier build's main.js (a copy of dist/ in the repo).
const BEFORE_CLI = process.env.BEFORE_CLI;

let seed = 0x2014;
function random(n) {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    b[i] = seed >>> 16;
  }
  return b;
}
const size = () => 1024 + (random(2).readUInt16LE(0) % 63) * 1024;

function textFile(i) {
  const lines = [];
  const target = size();
  let n = 0;
  while (n < target) {
    const line =
      `${i}.${n} connect http://c2-${i % 97}.example.com/gate.php?id=${n} from 10.${i % 256}.${n % 256}.7 ` +
      `copy \\\\spe-fs${i % 13}\\share password=Winter${i % 10} version 4.2.${n % 100}\n`;
    lines.push(line);
    n += line.length;
  }
  return Buffer.from(lines.join(''));
}

function buildPeTemplate(dir) {
  if (spawnSync('x86_64-w64-mingw32-gcc', ['--version'], { stdio: 'ignore' }).error) return undefined;
  const out = join(dir, 'plain.exe');
  execFileSync('x86_64-w64-mingw32-gcc', ['-O2', '-s', '-o', out, join(ROOT, 'test/fixtures/pe/plain.c')]);
  return readFileSync(out);
}

function peFile(template, i) {
  const b = Buffer.concat([template, random(size())]);
  const nt = b.readUInt32LE(0x3c);
  b.writeUInt32LE(0x50000000 + i, nt + 8);
  return b;
}

// CPU seconds (user + sys) of each run, read from GNU time: on a shared machine the wall time of a
// run depends on the other sessions far more than its CPU time does.
const CORES = availableParallelism();
const YARA_THREADS = Math.min(8, Math.max(1, CORES - Math.min(8, CORES)));
const TIME = spawnSync('/usr/bin/time', ['-f', '%U', 'true']).error ? undefined : '/usr/bin/time';

/** A row of the table: a command to time, run by `inTurns`. */
function best(label, command, args, options = {}) {
  return { label, command, args, options, ms: Infinity, cpuMs: Infinity };
}

/**
 * Runs every row once per round, REPEAT rounds, keeping each row's best wall and CPU time: the
 * rows are taken in turns, so a slow spell of the (shared, noisy) host falls on all of them alike
 * instead of on the rows that happened to run then.
 */
function inTurns(rows) {
  const cpuFile = join(dir, 'cpu.txt');
  for (let r = 0; r < REPEAT; r++) {
    for (const row of rows) {
      const { label, command, args, options } = row;
      const t0 = process.hrtime.bigint();
      const timed = TIME ? ['-f', '%U %S', '-o', cpuFile, command, ...args] : args;
      const run = spawnSync(TIME ?? command, timed, {
        stdio: ['ignore', 'ignore', 'pipe'],
        maxBuffer: 1 << 30,
        ...options,
      });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (run.error) throw run.error;
      if (run.status !== 0 && !(options.okStatus ?? []).includes(run.status)) {
        throw new Error(`${label}: exit ${run.status}: ${run.stderr}`);
      }
      row.ms = Math.min(row.ms, ms);
      if (TIME) {
        const [user, sys] = readFileSync(cpuFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
        row.cpuMs = Math.min(row.cpuMs, (user + sys) * 1000);
      }
    }
  }
  return rows;
}

const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-sample-'));
try {
  const samples = join(dir, 'samples');
  mkdirSync(samples);
  const template = buildPeTemplate(dir);
  let bytes = 0;
  for (let i = 0; i < FILES; i++) {
    const kind = i % 3;
    const data =
      kind === 0
        ? random(size())
        : kind === 1
          ? textFile(i)
          : template
            ? peFile(template, i)
            : random(size());
    writeFileSync(join(samples, `f${String(i).padStart(5, '0')}.bin`), data);
    bytes += data.length;
  }
  const rules = join(dir, 'rules');
  mkdirSync(rules);
  writeFileSync(
    join(rules, 'bench.yar'),
    'rule BenchUrl : bench { meta: family = "Bench" strings: $a = "example.com/gate.php" $b = "password=" condition: any of them }\n' +
      'rule BenchMz { condition: uint16(0) == 0x5a4d }\n',
  );
  if (process.env.GENERATE_ONLY) {
    // Profiling: keep the generated folder and stop (the caller removes it).
    console.log(samples);
    process.exit(0);
  }
  const list = join(dir, 'files.txt');
  const paths = Array.from({ length: FILES }, (_, i) => join(samples, `f${String(i).padStart(5, '0')}.bin`));
  writeFileSync(list, paths.join('\0'));
  // yara as `cairn intel sample --rules` runs it: compiled rules, a scan list, every matched string.
  const compiled = join(dir, 'rules.yarc');
  execFileSync('yarac', ['-w', `r0_bench_yar:${join(rules, 'bench.yar')}`, compiled]);
  const scanList = join(dir, 'scan-list.txt');
  writeFileSync(scanList, paths.join('\n') + '\n');

  /** The arguments of `node CLI intel sample --json --no-progress ...rest`. */
  const sample = (cli, ...rest) => [cli, 'intel', 'sample', '--json', '--no-progress', ...rest];
  const oneFile = join(samples, 'f00000.bin');
  /** Each CLI's own cache folder (`XDG_CACHE_HOME`), its rules' actors derived once (a text file matches). */
  const cacheOf = (cli, name) => {
    const env = { ...process.env, XDG_CACHE_HOME: join(dir, `cache-${name}`) };
    execFileSync(process.execPath, sample(cli, '--rules', rules, join(samples, 'f00001.bin')), {
      env,
      stdio: 'ignore',
    });
    return { env };
  };
  const cache = cacheOf(CLI, 'now');
  const beforeCache = BEFORE_CLI ? cacheOf(BEFORE_CLI, 'before') : undefined;
  const rows = inTurns([
    best('sha256sum (xargs -0)', 'sh', ['-c', `xargs -0 sha256sum < '${list}' > /dev/null`]),
    best('ssdeep -r', 'ssdeep', ['-r', samples]),
    best('yara -r (2 rules)', 'yara', ['-r', join(rules, 'bench.yar'), samples]),
    best('cairn intel sample --json', process.execPath, sample(CLI, samples)),
    ...(BEFORE_CLI
      ? [best('cairn intel sample --json (before)', process.execPath, sample(BEFORE_CLI, samples))]
      : []),
    best(
      'ceiling: node, sha256 + ssdeep only, same workers (bench/lib/sample-ceiling.mjs)',
      process.execPath,
      [join(ROOT, 'bench/lib/sample-ceiling.mjs'), samples],
    ),
    best('start-up: cairn intel sample --json, one file', process.execPath, sample(CLI, oneFile)),
    ...(BEFORE_CLI
      ? [best('start-up, one file (before)', process.execPath, sample(BEFORE_CLI, oneFile))]
      : []),
    best(
      'cairn intel sample --json --rules',
      process.execPath,
      sample(CLI, '--rules', rules, samples),
      cache,
    ),
    ...(BEFORE_CLI
      ? [
          best(
            'cairn intel sample --json --rules (before)',
            process.execPath,
            sample(BEFORE_CLI, '--rules', rules, samples),
            beforeCache,
          ),
        ]
      : []),
    // The threads cairn gives yara: the cores its sample readers (one per core, up to 8) leave, at least one.
    best('yara as --rules runs it (-C -e -g -m -s --scan-list)', 'yara', [
      ...['-C', '-w', '-N', '-e', '-g', '-m', '-s', '-p', String(YARA_THREADS)],
      ...['--scan-list', compiled, scanList],
    ]),
  ]);
  const slowestRef = Math.max(...rows.slice(0, 3).map((r) => r.ms));
  const slowestCpu = Math.max(...rows.slice(0, 3).map((r) => r.cpuMs));
  const mb = bytes / 1024 / 1024;
  console.log(
    `${FILES} files, ${mb.toFixed(1)} MiB (${template ? 'PE from MinGW' : 'no MinGW: no PE files'}), best of ${REPEAT}`,
  );
  console.log(
    '| command | wall ms | files/s | MiB/s | vs slowest reference | CPU ms (user+sys) | CPU vs slowest reference |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const ratio = (r.ms / slowestRef).toFixed(2);
    const cpu = Number.isFinite(r.cpuMs) ? r.cpuMs.toFixed(0) : '-';
    const cpuRatio = Number.isFinite(r.cpuMs) ? `${(r.cpuMs / slowestCpu).toFixed(2)}x` : '-';
    console.log(
      `| ${r.label} | ${r.ms.toFixed(0)} | ${(FILES / (r.ms / 1000)).toFixed(0)} | ${(mb / (r.ms / 1000)).toFixed(1)} | ${ratio}x | ${cpu} | ${cpuRatio} |`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
