/** Codes raised by hash/: ssdeep and TLSH digests and their indexes. */
import type { CodeSpec } from '../category.js';

export const HASH_CODES = {
  HASH_BAD_SSDEEP: {
    category: 'input',
    description:
      'The text is not an ssdeep digest (blocksize:part1:part2 with a valid block size and base64 parts).',
    action: 'Give the digest as ssdeep prints it, without the file name.',
  },
  HASH_BAD_TLSH: {
    category: 'input',
    description:
      'The text is not a TLSH digest: wrong length for any variant, not hexadecimal, or TNULL (the tool made no digest for that input).',
    action: 'Give the digest as the TLSH tool prints it (with or without the T1 prefix).',
  },
  HASH_TLSH_VARIANT_MISMATCH: {
    category: 'input',
    description:
      'Two TLSH digests of different variants (bucket count, checksum length) were compared, or added to one index.',
    action: 'Compute every digest with the same TLSH build options.',
  },
  HASH_BAD_LENGTH: {
    category: 'usage',
    description: 'The total length declared to the ssdeep hasher is not a byte count.',
    action: 'Pass a non-negative integer.',
  },
  HASH_LENGTH_MISMATCH: {
    category: 'input',
    description:
      'The ssdeep hasher was given more or fewer bytes than the length declared for the input, or two different lengths.',
    action: 'Declare the real length of the input, or none.',
  },
  HASH_INPUT_TOO_LARGE: {
    category: 'too-large',
    description: 'The input is longer than ssdeep can hash (its reference tool has the same bound).',
    action: 'Hash a smaller input.',
  },
  HASH_BAD_THRESHOLD: {
    category: 'usage',
    description: 'A similarity-search threshold is out of range (ssdeep 0..100, TLSH a distance >= 0).',
    action: 'Pass a threshold in the range the message gives.',
  },
  HASH_DUPLICATE_ID: {
    category: 'conflict',
    description: 'A digest was added to an index under an id already in it.',
    action: 'Use a unique id per digest.',
  },
} as const satisfies Record<string, CodeSpec>;

export type HashErrorCode = keyof typeof HASH_CODES;
