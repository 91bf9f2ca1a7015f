// Shared helpers for benchmarks: run a command (stdout to /dev/null) several times in a child
// process and report the median wall time and the peak RSS, measured by the kernel
// (getrusage of the child, through python3, which is on every machine we run on).
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';

const RUNNER = `
import resource, subprocess, sys, time
start = time.perf_counter()
with open('/dev/null', 'wb') as devnull:
    code = subprocess.call(sys.argv[1:], stdout=devnull, stderr=devnull)
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(wall, usage.ru_maxrss, code, usage.ru_utime + usage.ru_stime)
`;

/**
 * Runs `argv` `runs` times; returns the best (minimum) and median seconds and the max peak RSS in
 * MiB. The best of N is the figure least disturbed by other work on a shared machine; both sides
 * of a comparison are measured the same way.
 */
export function measure(argv, runs = 3) {
  const walls = [];
  const cpus = [];
  let rss = 0;
  for (let i = 0; i < runs; i++) {
    const out = execFileSync('python3', ['-c', RUNNER, ...argv], { encoding: 'utf8' })
      .trim()
      .split(' ');
    const [wall, maxKiB, code, cpu] = [Number(out[0]), Number(out[1]), Number(out[2]), Number(out[3])];
    // `argv.okExit`: other exit codes that are the command's right answer (2 for a cut input).
    if (code !== 0 && !(argv.okExit ?? []).includes(code))
      throw new Error(`${argv.join(' ')} exited with ${code}`);
    walls.push(wall);
    cpus.push(cpu);
    rss = Math.max(rss, maxKiB / 1024);
  }
  walls.sort((a, b) => a - b);
  cpus.sort((a, b) => a - b);
  // cpuSeconds: user + system time of the command and its children (best run), which a loaded
  // machine disturbs far less than the wall time.
  return {
    seconds: walls[0],
    median: walls[Math.floor(walls.length / 2)],
    cpuSeconds: cpus[0],
    peakRssMiB: rss,
    runs: walls,
  };
}

/**
 * Measures several commands in turns (each run of one, then of the next, ...), `runs` rounds, so
 * that a change in the machine's load during the benchmark falls on all of them alike; returns
 * one result per command, as `measure` does.
 */
export function measureInTurns(argvs, runs = 3) {
  const results = argvs.map(() => ({ walls: [], cpus: [], rss: 0 }));
  for (let i = 0; i < runs; i++) {
    argvs.forEach((argv, k) => {
      const one = measure(argv, 1);
      results[k].walls.push(one.seconds);
      results[k].cpus.push(one.cpuSeconds);
      results[k].rss = Math.max(results[k].rss, one.peakRssMiB);
    });
  }
  return results.map(({ walls, cpus, rss }) => {
    walls.sort((a, b) => a - b);
    cpus.sort((a, b) => a - b);
    return {
      seconds: walls[0],
      median: walls[Math.floor(walls.length / 2)],
      cpuSeconds: cpus[0],
      peakRssMiB: rss,
      runs: walls,
    };
  });
}

export function machine() {
  return `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

export function today() {
  return new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}
