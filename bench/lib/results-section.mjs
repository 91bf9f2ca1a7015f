// Replaces one marked section of a RESULTS file (`<!-- NAME:start -->` ... `<!-- NAME:end -->`),
// leaving the rest of the file (other benchmarks' sections) as it is. A section that is not there
// yet is appended; a missing file is created with `heading`.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** The markers of section `name`. */
export function markers(name) {
  return { start: `<!-- ${name}:start -->`, end: `<!-- ${name}:end -->` };
}

/**
 * Writes `body` (without markers) as section `name` of `file`. `before`: names of sections this
 * one goes in front of when it is new (the first one found wins); otherwise it is appended.
 */
export function writeSection(file, name, body, { heading = '# Benchmark\n', before = [] } = {}) {
  const { start, end } = markers(name);
  const section = `${start}\n${body.replace(/^\n+/, '').replace(/\n*$/, '\n')}${end}\n`;
  let text = existsSync(file) ? readFileSync(file, 'utf8') : heading;
  const s = text.indexOf(start);
  const e = text.indexOf(end);
  if (s >= 0 && e > s) {
    let after = e + end.length;
    if (text[after] === '\n') after++;
    text = text.slice(0, s) + section + text.slice(after);
  } else {
    const next = before.map((n) => text.indexOf(markers(n).start)).find((i) => i >= 0);
    if (next !== undefined) text = `${text.slice(0, next)}${section}\n${text.slice(next)}`;
    else text = `${text.replace(/\n*$/, '\n\n')}${section}`;
  }
  writeFileSync(file, text);
}
