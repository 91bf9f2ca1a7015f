/**
 * The SYNTHETIC December 2014 replay (test/fixtures/synthetic-outage.ts: real routes, synthetic
 * peers and timeline) cut into one MRT update file per `hours` hours, as a collector writes
 * them, so that ingest has several files to order, skip, resume and commit one by one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSyntheticOutage, loadRealRoutes } from '../fixtures/synthetic-outage.js';

export const REAL_ROUTES_FILE = fileURLToPath(
  new URL('../../data/mrt/ripe-bgpdump/updates.et-header.2015.gz', import.meta.url),
);

/** MRT records of `bytes` grouped by `Math.floor(timestamp / seconds)`, in order. */
export function splitByTime(bytes: Uint8Array, seconds: number): Array<{ start: number; bytes: Uint8Array }> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts: Array<{ start: number; bytes: Uint8Array }> = [];
  let at = 0;
  let partStart = 0;
  let partKey = Number.NaN;
  while (at + 12 <= bytes.length) {
    const time = view.getUint32(at);
    const length = view.getUint32(at + 8);
    const key = Math.floor(time / seconds);
    if (key !== partKey) {
      if (at > partStart) parts.push({ start: partKey * seconds, bytes: bytes.subarray(partStart, at) });
      partStart = at;
      partKey = key;
    }
    at += 12 + length;
  }
  if (bytes.length > partStart) parts.push({ start: partKey * seconds, bytes: bytes.subarray(partStart) });
  return parts;
}

const stamp = (seconds: number): string =>
  new Date(seconds * 1000).toISOString().replace(/[-:]/g, '').slice(0, 13).replace('T', '.');

/**
 * Writes the synthetic replay as `synthetic-updates.YYYYMMDD.HHMM` files (plain MRT) into `dir`;
 * returns their paths in time order.
 */
export async function writeSyntheticFiles(dir: string, hours = 24, background = 300): Promise<string[]> {
  const routes = await loadRealRoutes(REAL_ROUTES_FILE, background);
  const bytes = buildSyntheticOutage(routes, { churnSeconds: 900 });
  fs.mkdirSync(dir, { recursive: true });
  return splitByTime(bytes, hours * 3600).map((part) => {
    const file = path.join(dir, `synthetic-updates.${stamp(part.start)}00`);
    fs.writeFileSync(file, part.bytes);
    return file;
  });
}
