/**
 * Sample reading: what a file an incident left behind says about itself, from its bytes alone
 * (it is never loaded or run). Hashes (md5, sha1, sha256), fuzzy hashes (ssdeep, TLSH, from
 * `hash`), type by magic bytes, Windows PE build traits (imphash, Rich header, timestamp, linker,
 * sections with entropy, resource languages, PDB path, version info) and the network and host
 * strings worth checking. Pure functions over buffers; the caller reads the file.
 *
 * @example
 * import { analyzeSample } from '../intel/index.js';
 * const facts = analyzeSample(readFileSync('dropper.exe'), { file: 'dropper.exe' });
 * facts.pe?.imphash;            // 'f34d5f2d4577ed6d9ceec516c1f5a744'
 * facts.strings.filter((s) => s.insider); // hard-coded internal hosts
 */
export {
  analyzeSample,
  sampleHashes,
  type SampleFacts,
  type SampleHashes,
  type SampleOptions,
} from './analyze.js';
export { fileType, type FileType } from './magic.js';
export { entropy, imphash, looksLikePe, readPe } from './pe.js';
export type { PeImport, PeReadResult, PeSection, PeTraits, RichEntry, RichHeader } from './pe.js';
export { networkStrings, stringRuns, MAX_VALUES_PER_KIND, MIN_STRING_LENGTH } from './strings.js';
export { EXTENSION_LIKE } from './string-values.js';
export type { NetworkString, NetworkStringKind, StringRun } from './strings.js';

export {
  parseYaraOutput,
  parseYaraOutputText,
  YaraOutputReader,
  YaraOutputBytesReader,
} from './yara-output.js';
export type { YaraMatch, YaraMatchBytes, YaraMatchText, YaraStringMatch } from './yara-output.js';
export {
  addSampleValues,
  importSampleJson,
  looksLikeSampleJson,
  sampleCase,
  sampleCaseId,
  sampleCaseValues,
  sampleValueId,
} from './case.js';
export type { SampleCaseValue, SampleEntryLike } from './case.js';
export { RuleActorResolver, ruleTitles } from './rule-actors.js';
export type { RuleActor, RuleActorState } from './rule-actors.js';
