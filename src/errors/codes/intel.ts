/**
 * Codes raised by intel/: evidence importers (STIX 2.1, MISP, CSV and IoC lists), value
 * normalisation, STIX patterns, and ACH case files. Importers collect these as issues of the
 * import report and go on with the next object; ACH case files fail as a whole.
 */
import type { CodeSpec } from '../category.js';

const SKIPPED_VALUE_ACTION =
  'The value is skipped and the import goes on; fix it at the source if it matters.';

export const INTEL_CODES = {
  INTEL_INDEX_FORMAT: {
    category: 'input',
    description:
      'An evidence index text is of another format than this cairn reads (written by an older or newer cairn).',
    action: 'Rebuild the index: `cairn ingest --intel` (a store rebuilds an old index by itself when read).',
  },
  INTEL_BAD_OPTION: {
    category: 'usage',
    description:
      'An option of an intel command has a value it does not accept (--victim-naming must be a regular expression).',
    action: 'Read the message and `cairn intel <command> --help`.',
  },
  INTEL_BAD_INPUT: {
    category: 'input',
    description:
      'The input of an indicator list cannot be decoded as text (not UTF-8, or a bad compressed stream).',
    action: 'Give UTF-8 text, plain or gzip.',
  },
  INTEL_BAD_GZIP: {
    category: 'input',
    description: 'The evidence file starts like gzip but does not decompress.',
    action: 'Fetch the file again.',
  },
  INTEL_BAD_JSON: {
    category: 'input',
    description: 'The evidence document, or one object in it, is not valid JSON.',
    action: 'Fix the JSON at the offset or path given; the other objects were imported.',
  },
  INTEL_BAD_CSV_ROW: {
    category: 'input',
    description: 'A CSV row has an unterminated quoted field or another number of fields than the header.',
    action: 'The row is skipped; fix the quoting or the field count.',
  },
  INTEL_TOO_MANY_LINES: {
    category: 'too-large',
    description: 'The indicator list has more lines than the bound; the import stopped there.',
    action: 'Split the list, or pass a larger maxLines.',
  },
  INTEL_BAD_LABELS: {
    category: 'input',
    description:
      'A line of a `cairn-labels` manifest is neither a "[file glob]" section nor a known "key = value" under one.',
    action: 'The line is ignored; see the manifest format in src/intel/README.md.',
  },
  INTEL_BAD_WARNINGLIST: {
    category: 'input',
    description: 'A MISP warninglist file is not JSON with a "list" array and a known "type".',
    action: 'The list is skipped; fetch it again from MISP/misp-warninglists.',
  },
  INTEL_EMPTY_VALUE: {
    category: 'input',
    description: 'An indicator has an empty value.',
    action: SKIPPED_VALUE_ACTION,
  },
  INTEL_BAD_VALUE: {
    category: 'input',
    description:
      'An indicator value is not valid for its type (an IP that does not parse, a hash of the wrong length, a bad domain...).',
    action: SKIPPED_VALUE_ACTION,
  },
  INTEL_VALUE_TOO_LONG: {
    category: 'input',
    description: 'An indicator value, or a whole line, is longer than the bound for values.',
    action: SKIPPED_VALUE_ACTION,
  },
  INTEL_VALUE_CONTROL_CHARS: {
    category: 'input',
    description:
      'An indicator value holds control characters; free-text values keep them (escaped on output), others are skipped.',
    action: 'Nothing to do for free text; otherwise fix the value at the source.',
  },
  INTEL_VALUE_MARKUP: {
    category: 'input',
    description: 'An indicator value holds markup; it is stored as text and never rendered.',
    action: 'Nothing to do: a warning that the source may try to inject markup.',
  },
  INTEL_UNKNOWN_TYPE: {
    category: 'input',
    description:
      'A CSV row has a type label cairn does not know; the type was detected from the value instead.',
    action: 'Check the detected type in the message; use a known label to be explicit.',
  },
  INTEL_RETYPED_BYTE_PATTERN: {
    category: 'input',
    description:
      'A value labelled as a hash is a fragment of a YARA byte pattern, or hex of a length no hash has; it is kept as a byte pattern.',
    action: 'Nothing to do unless the label was right; then fix the value.',
  },
  INTEL_BAD_CONFIDENCE: {
    category: 'input',
    description: 'A confidence is not an integer from 0 to 100; the source default is used.',
    action: 'Fix the confidence at the source if it matters.',
  },
  STIX_NOT_A_BUNDLE: {
    category: 'input',
    description: 'The top-level STIX object is not a bundle.',
    action: 'Give a STIX 2.1 bundle ({"type": "bundle", "objects": [...]}).',
  },
  STIX_NO_OBJECTS: {
    category: 'input',
    description: 'The STIX bundle has no objects array.',
    action: 'Check that the file is a STIX 2.1 bundle with objects.',
  },
  STIX_BAD_OBJECT: {
    category: 'input',
    description:
      'A bundle member is not an object, has no valid type, or has a property of the wrong kind; it is skipped.',
    action: 'Fix the object at the JSON path given.',
  },
  STIX_BAD_ID: {
    category: 'input',
    description: 'A STIX object id is not "<type>--<uuid>" for its type; the object is skipped.',
    action: 'Fix the id at the JSON path given.',
  },
  STIX_UNKNOWN_TYPE: {
    category: 'input',
    description: 'A STIX object type is not one cairn reads; the object is skipped.',
    action: 'Nothing to do unless the type carries evidence you need; then open an issue.',
  },
  STIX_BAD_RELATIONSHIP: {
    category: 'input',
    description: 'A relationship lacks relationship_type, source_ref or target_ref ids; it is skipped.',
    action: 'Fix the relationship at the JSON path given.',
  },
  STIX_BAD_SIGHTING: {
    category: 'input',
    description: 'A sighting lacks a sighting_of_ref id; it is skipped.',
    action: 'Fix the sighting at the JSON path given.',
  },
  STIX_BAD_PATTERN: {
    category: 'input',
    description:
      'An indicator pattern does not parse as a STIX 2.1 pattern (or is missing, too long, or nested too deeply).',
    action: 'Fix the pattern at the offset given; the indicator is skipped.',
  },
  STIX_UNSUPPORTED_PATTERN: {
    category: 'input',
    description:
      'An indicator pattern parses but uses a pattern_type or a construct cairn does not turn into indicators.',
    action: 'Nothing to do: the parts cairn reads were imported; the message names what was not.',
  },
  STIX_UNSUPPORTED_HASH: {
    category: 'input',
    description: 'A file object names a hash algorithm cairn does not read; that hash is skipped.',
    action: 'Nothing to do unless the algorithm matters; the other hashes were imported.',
  },
  MISP_NOT_AN_EVENT: {
    category: 'input',
    description:
      'A MISP document holds something that is not an event, attribute, object or feed manifest in any shape MISP writes.',
    action:
      'Give a MISP event ({"Event": {...}}, a bare event, a list, a search response), attribute or object.',
  },
  MISP_BAD_OBJECT: {
    category: 'input',
    description: 'A MISP object is not a JSON object; it is skipped.',
    action: 'Fix the object at the JSON path given.',
  },
  MISP_BAD_ATTRIBUTE: {
    category: 'input',
    description:
      'A MISP attribute is not an object, lacks a string type and value, or a composite value (ip-dst|port...) has the wrong number of parts.',
    action: 'Fix the attribute at the JSON path given.',
  },
  MISP_UNKNOWN_TYPE: {
    category: 'input',
    description:
      'A MISP attribute type is not one cairn reads; the attribute is kept as context of the case and counted in the import summary.',
    action: 'Nothing to do unless the type carries evidence you need.',
  },
  MISP_NOT_A_LIST: {
    category: 'input',
    description:
      'A MISP member that must be a list (Attribute, Object, Tag, Galaxy, Sighting...) is something else; it is skipped.',
    action: 'Fix the member at the JSON path given.',
  },
  MISP_BAD_TAG: {
    category: 'input',
    description: 'A MISP tag has no string name; it is skipped.',
    action: 'Fix the tag at the JSON path given.',
  },
  MISP_OBJECT_TOO_LARGE: {
    category: 'input',
    description:
      'A MISP object holds more attributes than cairn reads from one object; the rest are set aside.',
    action: 'Split the object; a real MISP object template has a handful of attributes.',
  },
  MISP_FEED_BAD_HASH_LINE: {
    category: 'input',
    description: "A line of a MISP feed's hashes.csv is not `<md5>,<event uuid>`.",
    action: 'Regenerate hashes.csv with the feed generator, or fix the line given.',
  },
  MISP_FEED_HASH_UNKNOWN_EVENT: {
    category: 'input',
    description:
      "A hashes.csv line names an event that is neither among the feed's event files nor in its manifest.",
    action: 'Regenerate hashes.csv, or add the missing event file and its manifest entry.',
  },
  MISP_FEED_HASH_MISMATCH: {
    category: 'input',
    description: 'A hashes.csv line matches no attribute value of the event it names.',
    action: 'Regenerate hashes.csv from the event files; the feed and its cache disagree.',
  },
  MISP_FEED_HASH_MISSING: {
    category: 'input',
    description:
      "Values of a feed event are not listed in the feed's hashes.csv (MISP's feed cache would miss them).",
    action: 'Regenerate hashes.csv from the event files.',
  },
  MISP_BAD_GALAXY: {
    category: 'input',
    description: 'A MISP galaxy cluster file has no values array.',
    action: 'Give a MISP galaxy cluster file ({"values": [...]}).',
  },
  MISP_BAD_CLUSTER: {
    category: 'input',
    description: 'A galaxy cluster has no string value; it is skipped.',
    action: 'Fix the cluster at the JSON path given.',
  },
  ACH_TOO_LARGE: {
    category: 'too-large',
    description: 'The ACH case file is larger than the bound for case files.',
    action: 'Split the case, or check that the file is a case file.',
  },
  ACH_BAD_ENCODING: {
    category: 'input',
    description: 'The ACH case file is not valid UTF-8.',
    action: 'Save the case file as UTF-8.',
  },
  ACH_BAD_JSON: {
    category: 'input',
    description: 'The ACH case file is not valid JSON.',
    action: 'Fix the JSON at the line given.',
  },
  ACH_BAD_YAML: {
    category: 'input',
    description: 'The ACH case file is not valid YAML.',
    action: 'Fix the YAML at the line given.',
  },
  ACH_YAML_UNAVAILABLE: {
    category: 'unavailable',
    description: 'A YAML case file was given but the yaml package is not installed.',
    action: 'Install the yaml package (npm install yaml), or write the case as JSON.',
  },
  ACH_TOO_DEEP: {
    category: 'input',
    description: 'The ACH case file nests deeper than a case ever needs.',
    action: 'Check that the file is an ACH case file.',
  },
  ACH_DUPLICATE_KEY: {
    category: 'input',
    description: 'A key appears twice in one object of the case file.',
    action: 'Keep one of the two keys.',
  },
  ACH_SCHEMA: {
    category: 'input',
    description: 'A field of the case file has the wrong type or is missing.',
    action: 'Fix the field at the path and line given.',
  },
  ACH_UNKNOWN_FIELD: {
    category: 'input',
    description: 'The case file has a field the case format does not define (often a typo).',
    action: 'Fix the spelling or remove the field.',
  },
  ACH_DUPLICATE_ID: {
    category: 'input',
    description: 'Two hypotheses, or two evidence items, have the same id.',
    action: 'Give each hypothesis and each evidence item its own id.',
  },
  ACH_UNKNOWN_HYPOTHESIS: {
    category: 'input',
    description: 'An evidence item rates a hypothesis id that the case does not define.',
    action: 'Fix the id, or add the hypothesis.',
  },
  ACH_UNKNOWN_RATING: {
    category: 'input',
    description: 'A rating is not one of the ACH ratings (CC, C, N, I, II).',
    action: 'Use one of the ratings the message lists.',
  },
  ACH_MISSING_RATING: {
    category: 'input',
    description: 'An evidence item has no rating for one of the hypotheses.',
    action: 'Rate the evidence against every hypothesis (N when it is neutral).',
  },
  // Sample reading (issue #22): `cairn intel sample`, the files an incident left behind.
  SAMPLE_TRUNCATED_PE: {
    category: 'input',
    description: 'A PE header or table of a sample ends past the end of the file.',
    action: 'The other traits of the file are still reported; the file may be damaged or cut.',
  },
  SAMPLE_BAD_PE: {
    category: 'input',
    description: 'A PE structure of a sample has a value no loader accepts (bad magic, a size out of range).',
    action: 'The other traits of the file are still reported; the file may be malformed on purpose.',
  },
  SAMPLE_OUTSIDE_FILE: {
    category: 'input',
    description: 'A PE section, directory or name points outside the file.',
    action: 'The structure is skipped; the other traits of the file are still reported.',
  },
  SAMPLE_RESOURCE_LOOP: {
    category: 'input',
    description: 'The resource directory of a PE sample refers back to itself or nests too deep.',
    action: 'The loop is cut; the resources read before it are reported.',
  },
  SAMPLE_TOO_LARGE: {
    category: 'too-large',
    description: 'A sample is larger than the size limit and is not read.',
    action: 'Raise the limit with --max-size if the file should be read.',
  },
  SAMPLE_NOT_REGULAR: {
    category: 'input',
    description: 'A path given as a sample is a device, FIFO, socket or symbolic link, which are never read.',
    action: 'Give the regular file itself.',
  },
  SAMPLE_NOT_FOUND: {
    category: 'not-found',
    description: 'A sample path does not exist or cannot be read.',
    action: 'Check the path and its permissions.',
  },
  SAMPLE_BAD_OPTION: {
    category: 'usage',
    description: 'An option of `cairn intel sample` has a value it does not accept.',
    action: 'Read the message and `cairn intel sample --help`.',
  },
  SAMPLE_YARA_UNAVAILABLE: {
    category: 'unavailable',
    description: 'The `yara` command line (Debian package yara) is not installed, and --rules was given.',
    action: 'Install Debian package yara, or run without --rules.',
  },
  SAMPLE_YARA_RULES: {
    category: 'input',
    description: 'The YARA rules given with --rules do not compile.',
    action: 'Fix the rule at the file and line given by yarac.',
  },
  SAMPLE_YARA_FAILED: {
    category: 'input',
    description: 'The `yara` command failed on a sample or printed output cairn cannot read.',
    action: 'Read the message; run `yara` on the file by hand to see more.',
  },
} as const satisfies Record<string, CodeSpec>;

export type IntelErrorCode = keyof typeof INTEL_CODES;
