/**
 * Address formatting straight from bytes, as glibc inet_ntop prints them (RFC 5952): this is
 * the hot path of text output, so it reads bytes at an offset and builds one string, nothing else.
 */

/** Dotted quad of the 4 bytes at `offset`. */
export function formatIPv4(bytes: Uint8Array, offset = 0): string {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}

/**
 * Text form of the 16 bytes at `offset` exactly as glibc's inet_ntop writes it: lower-case hex
 * words without leading zeros, the first longest run of two or more zero words shown as `::`,
 * and IPv4-compatible (`::a.b.c.d`) and IPv4-mapped (`::ffff:a.b.c.d`) addresses with a dotted
 * quad tail.
 */
export function formatIPv6(bytes: Uint8Array, offset = 0): string {
  let bestBase = -1;
  let bestLen = 0;
  let runBase = -1;
  let runLen = 0;
  for (let i = 0; i < 8; i++) {
    const word = (bytes[offset + 2 * i] << 8) | bytes[offset + 2 * i + 1];
    if (word === 0) {
      if (runBase === -1) {
        runBase = i;
        runLen = 1;
      } else runLen++;
    } else if (runBase !== -1) {
      if (runLen > bestLen) {
        bestBase = runBase;
        bestLen = runLen;
      }
      runBase = -1;
    }
  }
  if (runBase !== -1 && runLen > bestLen) {
    bestBase = runBase;
    bestLen = runLen;
  }
  if (bestLen < 2) bestBase = -1;

  let text = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase !== -1 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) text += ':';
      continue;
    }
    if (i !== 0) text += ':';
    if (
      i === 6 &&
      bestBase === 0 &&
      (bestLen === 6 || (bestLen === 5 && bytes[offset + 10] === 0xff && bytes[offset + 11] === 0xff))
    ) {
      text += formatIPv4(bytes, offset + 12);
      break;
    }
    text += (((bytes[offset + 2 * i] << 8) | bytes[offset + 2 * i + 1]) >>> 0).toString(16);
  }
  if (bestBase !== -1 && bestBase + bestLen === 8) text += ':';
  return text;
}
