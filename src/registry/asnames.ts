/**
 * AS names: a JSON object mapping an ASN (decimal string) to "HANDLE description, CC", as pyasn
 * ships it (taken from the CIDR report's list). Names are data from the Internet: kept exactly,
 * control characters included; `displayName` makes them safe for a terminal.
 */
import { CairnError, ParseError, escapeForTerminal } from '../errors/index.js';

export interface AsName {
  asn: number;
  /** Short handle, the first word (e.g. `STAR-KP`). */
  name: string;
  /** The rest of the text before the country, with ARIN's "- " separator removed. */
  description: string;
  /** Two upper-case letters after the last ", ", when the text ends with them. */
  country?: string;
  /** The text exactly as in the file. */
  raw: string;
}

/** Longest name text kept; the real ones are under 200 characters. */
const MAX_NAME_LENGTH = 1024;
/** Problems kept per file. */
const MAX_PROBLEMS = 1000;

/** Splits "HANDLE description, CC" (the country may be absent). */
export function splitAsName(asn: number, raw: string): AsName {
  let body = raw;
  let country: string | undefined;
  const comma = raw.lastIndexOf(', ');
  if (comma !== -1 && /^[A-Z]{2}$/.test(raw.slice(comma + 2))) {
    country = raw.slice(comma + 2);
    body = raw.slice(0, comma);
  } else if (comma !== -1 && /^[A-Za-z]{2}$/.test(raw.slice(comma + 2))) {
    body = raw.slice(0, comma); // ", na" and the like: no country, but not part of the name
  }
  const space = body.indexOf(' ');
  const name = space === -1 ? body : body.slice(0, space);
  let description = space === -1 ? '' : body.slice(space + 1);
  if (description.startsWith('- ')) description = description.slice(2);
  const result: AsName = { asn, name, description, raw };
  if (country !== undefined) result.country = country;
  return result;
}

// Bidirectional-text controls (which can reorder what a terminal shows), plus tab and newline,
// which escapeForTerminal leaves alone but which break a one-line display.
const DISPLAY_EXTRA = /[\t\n\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `AS131279 STAR-KP Ryugyong-dong, KP`, with every control character shown as an escape. */
export function displayName(asName: AsName): string {
  const text = escapeForTerminal(asName.raw).replace(
    DISPLAY_EXTRA,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return `AS${asName.asn} ${text}`;
}

export class AsNames {
  private readonly names: Map<number, string>;
  /** Entries that were skipped, and why. */
  readonly problems: CairnError[];

  private constructor(names: Map<number, string>, problems: CairnError[]) {
    this.names = names;
    this.problems = problems;
  }

  /** An empty set carrying the one problem that kept the names from being read (a file its reader could not open). */
  static fromProblem(problem: CairnError): AsNames {
    return new AsNames(new Map(), [problem]);
  }

  /** Parses the JSON text; `file` labels problems. Bad entries are skipped and reported. */
  static fromJson(file: string, text: string): AsNames {
    const problems: CairnError[] = [];
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      problems.push(new ParseError('ASNAMES_BAD_JSON', `not JSON: ${escapeForTerminal(reason)}`, { file }));
      return new AsNames(new Map(), problems);
    }
    if (typeof document !== 'object' || document === null || Array.isArray(document)) {
      problems.push(
        new ParseError('ASNAMES_BAD_JSON', 'top level is not an object of ASN -> name', { file, path: '$' }),
      );
      return new AsNames(new Map(), problems);
    }
    const names = new Map<number, string>();
    let problemCount = 0;
    const report = (message: string, key: string): void => {
      if (++problemCount > MAX_PROBLEMS) return;
      const shown = key.length > 20 ? `${key.slice(0, 20)}...` : key;
      problems.push(
        new ParseError('ASNAMES_BAD_ENTRY', message, {
          file,
          path: `$[${JSON.stringify(escapeForTerminal(shown))}]`,
        }),
      );
    };
    for (const [key, value] of Object.entries(document as Record<string, unknown>)) {
      if (!/^(0|[1-9][0-9]{0,9})$/.test(key) || Number(key) >= 2 ** 32) {
        report('key is not an AS number', key);
        continue;
      }
      if (typeof value !== 'string') {
        report('name is not a string', key);
        continue;
      }
      if (value.length > MAX_NAME_LENGTH) {
        report(`name of ${value.length} characters is above ${MAX_NAME_LENGTH}`, key);
        continue;
      }
      names.set(Number(key), value);
    }
    if (problemCount > MAX_PROBLEMS) {
      problems.push(
        new ParseError('ASNAMES_TOO_MANY_PROBLEMS', `${problemCount} bad entries; ${MAX_PROBLEMS} listed`, {
          file,
        }),
      );
    }
    return new AsNames(names, problems);
  }

  /** Number of ASNs with a name. */
  get size(): number {
    return this.names.size;
  }

  /** The name of an ASN, split into handle, description and country; undefined when unknown. */
  get(asn: number): AsName | undefined {
    const raw = this.names.get(asn);
    return raw === undefined ? undefined : splitAsName(asn, raw);
  }
}
