// Rows of the live collector benchmark's results tables, shared by its GoBGP and BIRD phases.

export const ms = (x) => (x === undefined || Number.isNaN(x) ? 'n/a' : `${x.toFixed(2)} ms`);
export const n0 = (x) => Math.round(x).toLocaleString('en');

/** Alert-delay rows for the three sample sets; `command` names the daemon's withdrawal command. */
export function sampleRows(samples, command) {
  const rows = [];
  for (const [name, s] of [
    ['before the table (4 routes)', samples.before],
    ['while the table flows', samples.loaded],
    ['after the table (full table)', samples.after],
  ]) {
    rows.push([
      `withdrawal handler -> alert written, ${name}, p50 / p99 (n = ${s.n})`,
      `${ms(s.handler.p50)} / ${ms(s.handler.p99)}`,
      'p99 < 1 s',
    ]);
    rows.push([
      `${command} start -> alert written, ${name}, p50 / p99`,
      `${ms(s.command.p50)} / ${ms(s.command.p99)}`,
      '',
    ]);
  }
  return rows;
}

/** Rows of the capacity replay; `full` says what "full table" means in this phase. */
export function capacityRows(replay, full) {
  return [
    [
      `capacity: the same ${n0(replay.updates)} UPDATEs replayed from the archive by a test speaker, UPDATEs/s`,
      n0(replay.updatesPerSecond),
      '>= 50,000',
    ],
    ['capacity: prefixes/s', n0(replay.prefixesPerSecond), ''],
    [
      `capacity: time to full table (first byte sent -> ${full})`,
      replay.fullTableSeconds === undefined ? 'not reached' : `${replay.fullTableSeconds.toFixed(1)} s`,
      '',
    ],
    [
      'capacity: collector CPU / event-loop utilisation',
      `${replay.cpuSeconds.toFixed(1)} s / ${(replay.eventLoopUtilization * 100).toFixed(0)} %`,
      '',
    ],
    ['capacity: peak RSS of the collector process', `${replay.peakRssMiB.toFixed(0)} MiB`, ''],
  ];
}

/** Peak RSS and RSS after the load / at the end, of the collector process. */
export function collectorRssRows(rss) {
  return [
    ['peak RSS of the collector process', `${rss.peakMiB.toFixed(0)} MiB`, ''],
    [
      'RSS of the collector after the load / at the end',
      `${rss.afterLoadMiB.toFixed(0)} / ${rss.afterIdleMiB.toFixed(0)} MiB`,
      '',
    ],
  ];
}

export function markdownTable(rows) {
  return ['| measure | value | target |', '|---|---:|---|', ...rows.map((r) => `| ${r.join(' | ')} |`)].join(
    '\n',
  );
}
