/**
 * Codes raised by the application layer and the faces over it (app/, cli/): options that
 * contradict each other, files and cases that are not there, the live alert channel.
 */
import type { CodeSpec } from '../category.js';

export const APP_CODES = {
  CLI_BAD_OPTION: {
    category: 'usage',
    description:
      'A command-line option is out of range, or options contradict each other (--live with --mrt, several selections).',
    action: 'Read the message and `cairn <command> --help`.',
  },
  LIVE_BAD_OPTION: {
    category: 'usage',
    description: 'A live-outage option is out of range (the tick interval).',
    action: 'Pass a value in the range the message gives.',
  },
  ACH_BAD_OPTION: {
    category: 'usage',
    description:
      'An option of the ach command has a value it does not accept (--format must be json or yaml).',
    action: 'Pass one of the values the message lists.',
  },
  ACH_CANNOT_READ: {
    category: 'unavailable',
    description: 'The ACH case file cannot be read (missing, a directory, no permission).',
    action: 'Check the path and its permissions.',
  },
  INPUT_NOT_FOUND: {
    category: 'not-found',
    description: 'A file given as input does not exist or cannot be looked at (permissions).',
    action: 'Check the path and its permissions.',
  },
  INPUT_NOT_A_FILE: {
    category: 'input',
    description:
      'A path given as an input file is a directory, a FIFO, a device or a socket: reading a FIFO waits for a writer, a device never ends.',
    action: 'Give a regular file, or pass --stream (or - for standard input) to read a stream.',
  },
  INPUT_TOO_LARGE: {
    category: 'too-large',
    description:
      'An input holds more bytes than the input size limit (default 1 GiB, README "Limits"); reading stopped there.',
    action: 'Raise the limit with --max-input-bytes (or CAIRN_MAX_INPUT_BYTES) if the input is genuine.',
  },
  INPUT_BAD_LIMIT: {
    category: 'usage',
    description: 'The input size limit given is not a positive integer number of bytes.',
    action: 'Pass --max-input-bytes a whole number of bytes, such as 2147483648.',
  },
  INTEL_NO_CORPUS: {
    category: 'not-found',
    description: 'The evidence corpus directory does not exist.',
    action: 'Give the path of a corpus directory, or omit it to use the bundled one.',
  },
  INTEL_NO_ARCHIVE: {
    category: 'not-found',
    description:
      'Routing archives were given to place addresses at the case date, and none was taken at or before that date.',
    action: 'Give MRT archives from before the case date, or a later --as-of date.',
  },
  INTEL_NO_CASE_DATE: {
    category: 'usage',
    description: 'Routing archives were given to place addresses at the case date, and the case has no date.',
    action: 'Give the date with --as-of.',
  },
  INTEL_NO_INDEX: {
    category: 'not-found',
    description:
      'The store given to an intel question holds no evidence: nothing was ingested with `cairn ingest --intel`.',
    action: 'Run `cairn ingest --intel DIR --db FILE` first, or leave out --db to read the corpus files.',
  },
  INTEL_INDEX_INPUT_GONE: {
    category: 'not-found',
    description:
      "An evidence file the store's evidence index was built from is no longer at its path, or its bytes changed; the index is rebuilt without it.",
    action: 'Ingest the file again from where it is now (`cairn ingest --intel`).',
  },
  INTEL_NO_FILE: {
    category: 'not-found',
    description: 'An evidence file or directory given on the command line does not exist.',
    action: 'Check the path.',
  },
  INTEL_UNKNOWN_CASE: {
    category: 'not-found',
    description: 'No case, or more than one, matches the case given by id, file or name.',
    action: 'Give the case id, a case file, or the exact case name.',
  },
  COLLECT_ALERT_SOCKET: {
    category: 'unavailable',
    description: 'The collector cannot listen on its alert socket path.',
    action: 'Check that the directory exists and is writable, or choose another --alert-socket path.',
  },
  COLLECT_ALERT_SOCKET_IN_USE: {
    category: 'conflict',
    description: 'Another running collector already streams alerts on that socket path.',
    action: 'Stop the other collector, or give this one another --alert-socket path.',
  },
  OUTAGES_LIVE_UNAVAILABLE: {
    category: 'unavailable',
    description:
      'No collector is running with an alert socket at the path `cairn outages --live` connects to.',
    action: 'Start one: cairn collect --config FILE --country CC --alert-socket PATH.',
  },
  REGISTRY_SHARED: {
    category: 'internal',
    description:
      'Code tried to load more files into a registry that loadRegistryFiles shares between every load of the same files.',
    action: 'Report it as a bug; in code, pass every file to one loadRegistryFiles call instead.',
  },
} as const satisfies Record<string, CodeSpec>;

export type AppErrorCode = keyof typeof APP_CODES;
