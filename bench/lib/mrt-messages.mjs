// The BGP UPDATE messages (header included) of gzip MRT BGP4MP_ET files, in file order: what a
// collector received, to be sent again byte for byte (bench/collector-daemon.mjs, capacity run).
// Only the BGP4MP_MESSAGE / _AS4 subtypes (1, 4) the collector writes for its sessions; state
// changes and other records are skipped. Bounds: a record must fit in the file. The record types
// are src/mrt's and src/bgp's constants (from dist/: npm run bench builds first).
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { BgpMessageType } from '../../dist/bgp/index.js';
import { Bgp4mpSubtype, MrtType } from '../../dist/mrt/index.js';

const { MESSAGE, MESSAGE_AS4 } = Bgp4mpSubtype;

/**
 * Returns { messages: Buffer[] (subarrays of the decompressed files), bytes }. `window`: only the
 * records whose MRT time (seconds + microseconds, as Unix ms) is within [fromMs, toMs].
 */
export function readUpdates(files, window) {
  const messages = [];
  let bytes = 0;
  for (const file of files) {
    const data = gunzipSync(readFileSync(file));
    let p = 0;
    while (p + 12 <= data.length) {
      const type = data.readUInt16BE(p + 4);
      const subtype = data.readUInt16BE(p + 6);
      const length = data.readUInt32BE(p + 8);
      const end = p + 12 + length;
      if (end > data.length) throw new Error(`${file}: truncated MRT record at ${p}`);
      let inWindow = true;
      if (window !== undefined) {
        const ms = data.readUInt32BE(p) * 1000 + (p + 16 <= end ? data.readUInt32BE(p + 12) / 1000 : 0);
        inWindow = ms >= window.fromMs && ms <= window.toMs;
      }
      if (inWindow && type === MrtType.BGP4MP_ET && (subtype === MESSAGE || subtype === MESSAGE_AS4)) {
        let q = p + 12 + 4; // microseconds
        q += subtype === MESSAGE_AS4 ? 8 : 4; // peer AS, local AS
        q += 2; // interface index
        const afi = data.readUInt16BE(q);
        q += 2 + (afi === 2 ? 32 : 8); // peer and local address
        if (q + 19 <= end && data[q + 18] === BgpMessageType.UPDATE) {
          messages.push(data.subarray(q, end));
          bytes += end - q;
        }
      }
      p = end;
    }
  }
  return { messages, bytes };
}
