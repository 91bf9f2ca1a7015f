/**
 * Typed errors shared by every module. Each error has a stable `code` and the location of the
 * problem (file, byte offset, field, line, JSON path) as fields, so that the CLI, the API and the
 * tests all read the same facts instead of parsing messages. Codes are catalogued per module
 * (src/errors/codes/): a code that is not in the catalogue does not type-check, and each has a
 * description, an action for the user and a category that the faces map to a status.
 *
 * @example
 * throw new CairnError('MRT_TRUNCATED_RECORD', 'record ends past end of file', { file, offset: 1234 });
 */

import { errorCategory, type ErrorCode } from './codes/index.js';
import type { ErrorCategory } from './category.js';

export {
  CODE_MODULES,
  ERROR_CODES,
  describeCode,
  errorCategory,
  isErrorCode,
  type AppErrorCode,
  type BgpErrorCode,
  type CollectorErrorCode,
  type ErrorCode,
  type ErrorModule,
  type HashErrorCode,
  type IntelErrorCode,
  type MrtErrorCode,
  type NetErrorCode,
  type ObservatoryErrorCode,
  type RegistryErrorCode,
  type RoutingErrorCode,
} from './codes/index.js';
export { ERROR_CATEGORIES, HTTP_STATUS_BY_CATEGORY, type CodeSpec, type ErrorCategory } from './category.js';

/** Where in the input a problem was found. Every field is optional; give all that are known. */
export interface ErrorLocation {
  /** File name or other source label (a peer address for live sessions). */
  file?: string;
  /** Byte offset from the start of the decompressed stream. */
  offset?: number;
  /** 1-based line number for text inputs. */
  line?: number;
  /** JSON path (for example `$.objects[3].pattern`) for JSON inputs. */
  path?: string;
  /** Name of the field or attribute being decoded. */
  field?: string;
  /** Record kind, for example `BGP4MP_ET/MESSAGE_AS4`. */
  recordType?: string;
}

/** An error with a catalogued code; `Code` narrows it where only some codes can occur. */
export class CairnError<Code extends ErrorCode = ErrorCode> extends Error {
  readonly code: Code;
  readonly location: ErrorLocation;

  constructor(code: Code, message: string, location: ErrorLocation = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CairnError';
    this.code = code;
    this.location = location;
  }

  /** What kind of failure this is (the catalogue's category for the code). */
  get category(): ErrorCategory {
    return errorCategory(this.code);
  }

  /** One line for people: `code: message (file, offset 12, RECORD)`. */
  describe(): string {
    return `${this.code}: ${this.message}${formatLocation(this.location)}`;
  }

  toJSON(): { code: Code; message: string } & ErrorLocation {
    return { code: this.code, message: this.message, ...this.location };
  }
}

export function formatLocation(location: ErrorLocation): string {
  const parts: string[] = [];
  if (location.file !== undefined) parts.push(location.file);
  if (location.line !== undefined) parts.push(`line ${location.line}`);
  if (location.offset !== undefined) parts.push(`offset ${location.offset}`);
  if (location.path !== undefined) parts.push(location.path);
  if (location.recordType !== undefined) parts.push(location.recordType);
  if (location.field !== undefined) parts.push(`field ${location.field}`);
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}

/** Input that does not parse as what it claims to be (an address, a prefix, a country code...). */
export class ParseError<Code extends ErrorCode = ErrorCode> extends CairnError<Code> {
  constructor(code: Code, message: string, location: ErrorLocation = {}) {
    super(code, message, location);
    this.name = 'ParseError';
  }
}

/**
 * Makes a string from the data safe to print on a terminal: control characters (C0, DEL, C1,
 * which could move the cursor or change colours) become visible escapes.
 */
export function escapeForTerminal(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (ch) => {
    const code = ch.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : ch;
  });
}
