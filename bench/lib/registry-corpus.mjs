// The delegated files the registry benchmarks read: the bundled APNIC 2014 file and the corpus's
// real files ($CAIRN_CORPUS, else shared/data beside the checkout or its worktree folder).
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** The bundled file's path under the checkout `root`. */
export const bundledFile = (root) => join(root, 'data/registry/delegated-apnic-20141009.gz');

/** The corpus's delegated files other than the bundled one (APNIC 2019, AFRINIC, LACNIC, IANA, samples). */
export function corpusFiles(root) {
  const corpus =
    process.env.CAIRN_CORPUS ??
    [resolve(root, '../shared/data'), resolve(root, '../../shared/data')].find((dir) => existsSync(dir));
  if (corpus === undefined) throw new Error('no corpus: set CAIRN_CORPUS');
  return [
    'delegated-apnic-20190912.gz',
    'delegated-afrinic-extended-20190911.gz',
    'delegated-lacnic-extended-20190910.gz',
    'delegated-iana-20190911',
    ...['afrinic', 'apnic', 'arin', 'iana', 'lacnic', 'ripencc'].map((n) => `samples-2019-09/${n}`),
  ].map((name) => join(corpus, 'routing/rir', name));
}

/** A delegated file's text, gunzipped when its magic bytes say gzip. */
export function readDelegatedText(file) {
  const bytes = readFileSync(file);
  return (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
}
