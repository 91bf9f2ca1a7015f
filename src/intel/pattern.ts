/**
 * STIX 2.1 patterning language (STIX 2.1 part 5 / the OASIS `STIXPattern.g4` grammar): a tokenizer,
 * a recursive-descent parser to an AST, and the extraction of plain indicators from that AST.
 *
 * Written here rather than taken from a package: the reference validator is Python
 * (cti-pattern-validator, ANTLR-generated) and the npm ports are unmaintained or pull in the
 * ANTLR runtime; the grammar is small and the parser must report character offsets for
 * attacker-controlled patterns, which a hand-written parser does precisely.
 *
 * Grammar (precedence from lowest):
 *   pattern       := obsFollowed EOF
 *   obsFollowed   := obsOr ('FOLLOWEDBY' obsOr)*
 *   obsOr         := obsAnd ('OR' obsAnd)*
 *   obsAnd        := obsQualified ('AND' obsQualified)*
 *   obsQualified  := obsPrimary qualifier*
 *   obsPrimary    := '[' cmpOr ']' | '(' obsFollowed ')'
 *   qualifier     := 'WITHIN' number 'SECONDS' | 'REPEATS' int 'TIMES' | 'START' t'..' 'STOP' t'..'
 *   cmpOr         := cmpAnd ('OR' cmpAnd)*
 *   cmpAnd        := cmpPrimary ('AND' cmpPrimary)*
 *   cmpPrimary    := '(' cmpOr ')' | 'EXISTS' path | path 'NOT'? op value
 *   path          := objectType ':' (ident | 'str') ('.' (ident | 'str') | '[' (int | '*') ']')*
 */
import { ParseError } from '../errors/index.js';
import type { IndicatorType } from './model.js';

/** Longest pattern parsed; longer ones are refused with STIX_BAD_PATTERN before tokenizing. */
export const MAX_PATTERN_LENGTH = 64 * 1024;
/** Deepest nesting of parentheses and brackets accepted (keeps recursion bounded). */
export const MAX_PATTERN_DEPTH = 100;

/** A STIX pattern that does not follow the grammar, with the character offset of the problem. */
export class PatternError extends ParseError<'STIX_BAD_PATTERN' | 'STIX_UNSUPPORTED_PATTERN'> {
  constructor(
    code: 'STIX_BAD_PATTERN' | 'STIX_UNSUPPORTED_PATTERN',
    message: string,
    offset: number,
    path?: string,
  ) {
    super(code, message, path === undefined ? { offset } : { offset, path });
    this.name = 'PatternError';
  }
}

// ---------------------------------------------------------------------------------------------
// Tokens

type TokenKind =
  | 'ident'
  | 'string'
  | 'int'
  | 'float'
  | 'bool'
  | 'timestamp'
  | 'binary'
  | 'hex'
  | 'keyword'
  | 'op'
  | 'punct'
  | 'eof';

interface Token {
  kind: TokenKind;
  /** Decoded text (string contents without quotes and escapes, keyword, operator, punctuation). */
  text: string;
  start: number;
  end: number;
}

const KEYWORDS = new Set([
  'AND',
  'OR',
  'NOT',
  'FOLLOWEDBY',
  'LIKE',
  'MATCHES',
  'ISSUPERSET',
  'ISSUBSET',
  'EXISTS',
  'IN',
  'START',
  'STOP',
  'SECONDS',
  'TIMES',
  'WITHIN',
  'REPEATS',
]);

const TIMESTAMP =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?Z$/;
const BASE64 = /^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Splits a pattern into tokens. Throws {@link PatternError} STIX_BAD_PATTERN at the bad character. */
export function tokenizePattern(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = src.length;
  const bad = (msg: string, at: number): never => {
    throw new PatternError('STIX_BAD_PATTERN', msg, at);
  };
  const readQuoted = (start: number): { text: string; end: number } => {
    // src[start] is the opening quote. Only \' and \\ are escapes in STIX patterns.
    let text = '';
    let j = start + 1;
    while (j < n) {
      const c = src.charCodeAt(j);
      if (c === 0x27) return { text, end: j + 1 };
      if (c === 0x5c) {
        const next = src[j + 1];
        if (next === "'" || next === '\\') {
          text += next;
          j += 2;
          continue;
        }
        bad(`invalid escape \\${next ?? ''} in string literal (only \\' and \\\\ are allowed)`, j);
      }
      text += src[j];
      j++;
    }
    return bad('unterminated string literal', start);
  };
  while (i < n) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') {
      i++;
      continue;
    }
    const start = i;
    if (c === "'") {
      const q = readQuoted(i);
      out.push({ kind: 'string', text: q.text, start, end: q.end });
      i = q.end;
      continue;
    }
    if ((c === 't' || c === 'b' || c === 'h') && src[i + 1] === "'") {
      const q = readQuoted(i + 1);
      if (c === 't') {
        if (!TIMESTAMP.test(q.text))
          bad(`bad timestamp literal t'${q.text}' (RFC 3339 in UTC with Z)`, start);
        out.push({ kind: 'timestamp', text: q.text, start, end: q.end });
      } else if (c === 'b') {
        if (!BASE64.test(q.text)) bad('bad binary literal (base64 expected)', start);
        out.push({ kind: 'binary', text: q.text, start, end: q.end });
      } else {
        if (!/^([0-9a-fA-F]{2})*$/.test(q.text)) bad('bad hex literal (pairs of hex digits expected)', start);
        out.push({ kind: 'hex', text: q.text, start, end: q.end });
      }
      i = q.end;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_-]/.test(src[j])) j++;
      const word = src.slice(i, j);
      if (KEYWORDS.has(word)) out.push({ kind: 'keyword', text: word, start, end: j });
      else if (/^(true|false)$/i.test(word))
        out.push({ kind: 'bool', text: word.toLowerCase(), start, end: j });
      else out.push({ kind: 'ident', text: word, start, end: j });
      i = j;
      continue;
    }
    if (/[0-9]/.test(c) || ((c === '-' || c === '+') && /[0-9.]/.test(src[i + 1] ?? ''))) {
      const m = /^[+-]?(\d*\.\d+|\d+)/.exec(src.slice(i, i + 400));
      if (m === null) bad('bad number', i);
      const text = m![0];
      const isFloat = text.includes('.');
      const digits = text.replace(/^[+-]/, '');
      if (!isFloat && digits.length > 1 && digits.startsWith('0'))
        bad('integer literal with a leading zero', i);
      out.push({ kind: isFloat ? 'float' : 'int', text, start, end: i + text.length });
      i += text.length;
      if (i < n && /[A-Za-z_]/.test(src[i])) bad('number runs into a name', i);
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === '!=' || two === '<=' || two === '>=') {
      out.push({ kind: 'op', text: two, start, end: i + 2 });
      i += 2;
      continue;
    }
    if (c === '=' || c === '<' || c === '>') {
      out.push({ kind: 'op', text: c, start, end: i + 1 });
      i++;
      continue;
    }
    if ('[]().,:*'.includes(c)) {
      out.push({ kind: 'punct', text: c, start, end: i + 1 });
      i++;
      continue;
    }
    bad(`unexpected character ${JSON.stringify(c)}`, i);
  }
  out.push({ kind: 'eof', text: '', start: n, end: n });
  return out;
}

// ---------------------------------------------------------------------------------------------
// AST

/** A literal value in a comparison. */
export type PatternLiteral =
  | { type: 'string'; value: string; start: number }
  | { type: 'int'; value: number; start: number }
  | { type: 'float'; value: number; start: number }
  | { type: 'bool'; value: boolean; start: number }
  | { type: 'timestamp'; value: string; start: number }
  | { type: 'binary'; value: string; start: number }
  | { type: 'hex'; value: string; start: number };

/** One step of an object path after the object type. */
export type PathStep =
  { kind: 'property'; name: string; quoted: boolean } | { kind: 'index'; index: number | '*' };

/** `file:hashes.'SHA-256'`, `network-traffic:src_ref.value`, `windows-registry-key:values[*].name`. */
export interface ObjectPath {
  objectType: string;
  steps: PathStep[];
  start: number;
  end: number;
}

/** Comparison operators, including the set operator IN. */
export type ComparisonOperator =
  '=' | '!=' | '<' | '>' | '<=' | '>=' | 'IN' | 'LIKE' | 'MATCHES' | 'ISSUBSET' | 'ISSUPERSET';

/** A comparison expression (inside `[ ]`). */
export type ComparisonNode =
  | {
      kind: 'comparison';
      path: ObjectPath;
      negated: boolean;
      operator: ComparisonOperator;
      /** A single literal, or the members of a set for IN. */
      value: PatternLiteral | PatternLiteral[];
      start: number;
      end: number;
    }
  | { kind: 'exists'; path: ObjectPath; start: number; end: number }
  | { kind: 'and' | 'or'; operands: ComparisonNode[]; start: number; end: number };

/** A qualifier applied to an observation expression. */
export type Qualifier =
  | { kind: 'within'; seconds: number; start: number }
  | { kind: 'repeats'; times: number; start: number }
  | { kind: 'start-stop'; startTime: string; stopTime: string; start: number };

/** An observation expression (the whole pattern is one). */
export type ObservationNode =
  | { kind: 'observation'; comparison: ComparisonNode; start: number; end: number }
  | { kind: 'and' | 'or' | 'followedby'; operands: ObservationNode[]; start: number; end: number }
  | { kind: 'qualified'; expression: ObservationNode; qualifiers: Qualifier[]; start: number; end: number };

class Parser {
  private pos = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.pos];
  }
  private next(): Token {
    return this.tokens[this.pos++];
  }
  private is(kind: TokenKind, text?: string): boolean {
    const t = this.tokens[this.pos];
    return t.kind === kind && (text === undefined || t.text === text);
  }
  private fail(msg: string, tok: Token = this.peek()): never {
    const what = tok.kind === 'eof' ? 'end of pattern' : `'${tok.text}'`;
    throw new PatternError('STIX_BAD_PATTERN', `${msg}, found ${what}`, tok.start);
  }
  private expect(kind: TokenKind, text: string, what: string): Token {
    if (!this.is(kind, text)) this.fail(`expected ${what}`);
    return this.next();
  }
  private enter(tok: Token): void {
    if (++this.depth > MAX_PATTERN_DEPTH)
      throw new PatternError('STIX_BAD_PATTERN', 'pattern nested too deeply', tok.start);
  }

  parsePattern(): ObservationNode {
    const node = this.obsFollowed();
    if (!this.is('eof')) this.fail('expected AND, OR, FOLLOWEDBY, a qualifier or the end of the pattern');
    return node;
  }

  private obsBinary(kw: 'FOLLOWEDBY' | 'OR' | 'AND', sub: () => ObservationNode): ObservationNode {
    const first = sub();
    if (!this.is('keyword', kw)) return first;
    const operands = [first];
    while (this.is('keyword', kw)) {
      this.next();
      operands.push(sub());
    }
    const kind = kw === 'FOLLOWEDBY' ? 'followedby' : kw === 'OR' ? 'or' : 'and';
    return { kind, operands, start: first.start, end: operands[operands.length - 1].end };
  }
  private obsFollowed(): ObservationNode {
    return this.obsBinary('FOLLOWEDBY', () => this.obsOr());
  }
  private obsOr(): ObservationNode {
    return this.obsBinary('OR', () => this.obsAnd());
  }
  private obsAnd(): ObservationNode {
    return this.obsBinary('AND', () => this.obsQualified());
  }
  private obsQualified(): ObservationNode {
    const expression = this.obsPrimary();
    const qualifiers: Qualifier[] = [];
    let end = expression.end;
    for (;;) {
      const t = this.peek();
      if (this.is('keyword', 'WITHIN')) {
        this.next();
        const num = this.next();
        if (num.kind !== 'int' && num.kind !== 'float')
          this.fail('expected a number of seconds after WITHIN', num);
        const seconds = Number(num.text);
        if (!(seconds > 0)) this.fail('WITHIN needs a positive number', num);
        end = this.expect('keyword', 'SECONDS', 'SECONDS').end;
        qualifiers.push({ kind: 'within', seconds, start: t.start });
      } else if (this.is('keyword', 'REPEATS')) {
        this.next();
        const num = this.next();
        if (num.kind !== 'int' || !(Number(num.text) > 0))
          this.fail('expected a positive integer after REPEATS', num);
        end = this.expect('keyword', 'TIMES', 'TIMES').end;
        qualifiers.push({ kind: 'repeats', times: Number(num.text), start: t.start });
      } else if (this.is('keyword', 'START')) {
        this.next();
        const a = this.next();
        if (a.kind !== 'timestamp') this.fail("expected a timestamp t'...' after START", a);
        this.expect('keyword', 'STOP', 'STOP');
        const b = this.next();
        if (b.kind !== 'timestamp') this.fail("expected a timestamp t'...' after STOP", b);
        end = b.end;
        qualifiers.push({ kind: 'start-stop', startTime: a.text, stopTime: b.text, start: t.start });
      } else break;
    }
    if (qualifiers.length === 0) return expression;
    return { kind: 'qualified', expression, qualifiers, start: expression.start, end };
  }
  private obsPrimary(): ObservationNode {
    const t = this.peek();
    if (this.is('punct', '[')) {
      this.next();
      this.enter(t);
      const comparison = this.cmpOr();
      const close = this.expect('punct', ']', "']' to close the observation expression");
      this.depth--;
      return { kind: 'observation', comparison, start: t.start, end: close.end };
    }
    if (this.is('punct', '(')) {
      this.next();
      this.enter(t);
      const inner = this.obsFollowed();
      this.expect('punct', ')', "')'");
      this.depth--;
      return inner;
    }
    return this.fail("expected '[' or '(' to start an observation expression");
  }

  private cmpBinary(kw: 'OR' | 'AND', sub: () => ComparisonNode): ComparisonNode {
    const first = sub();
    if (!this.is('keyword', kw)) return first;
    const operands = [first];
    while (this.is('keyword', kw)) {
      this.next();
      operands.push(sub());
    }
    return {
      kind: kw === 'OR' ? 'or' : 'and',
      operands,
      start: first.start,
      end: operands[operands.length - 1].end,
    };
  }
  private cmpOr(): ComparisonNode {
    return this.cmpBinary('OR', () => this.cmpAnd());
  }
  private cmpAnd(): ComparisonNode {
    return this.cmpBinary('AND', () => this.cmpPrimary());
  }
  private cmpPrimary(): ComparisonNode {
    const t = this.peek();
    if (this.is('punct', '(')) {
      this.next();
      this.enter(t);
      const inner = this.cmpOr();
      this.expect('punct', ')', "')'");
      this.depth--;
      return inner;
    }
    if (this.is('keyword', 'EXISTS')) {
      this.next();
      const path = this.objectPath();
      return { kind: 'exists', path, start: t.start, end: path.end };
    }
    const path = this.objectPath();
    let negated = false;
    if (this.is('keyword', 'NOT')) {
      this.next();
      negated = true;
    }
    const opTok = this.next();
    let operator: ComparisonOperator;
    if (opTok.kind === 'op') operator = opTok.text as ComparisonOperator;
    else if (
      opTok.kind === 'keyword' &&
      ['IN', 'LIKE', 'MATCHES', 'ISSUBSET', 'ISSUPERSET'].includes(opTok.text)
    )
      operator = opTok.text as ComparisonOperator;
    else return this.fail('expected a comparison operator', opTok);
    if (operator === 'IN') {
      const open = this.expect('punct', '(', "'(' to start a set");
      const members: PatternLiteral[] = [];
      if (!this.is('punct', ')')) {
        for (;;) {
          members.push(this.literal(false));
          if (this.is('punct', ',')) {
            this.next();
            continue;
          }
          break;
        }
      }
      const close = this.expect('punct', ')', "',' or ')' in the set");
      void open;
      return {
        kind: 'comparison',
        path,
        negated,
        operator,
        value: members,
        start: path.start,
        end: close.end,
      };
    }
    const valueTok = this.peek();
    const value = this.literal(false);
    if (['LIKE', 'MATCHES', 'ISSUBSET', 'ISSUPERSET'].includes(operator) && value.type !== 'string')
      this.fail(`${operator} needs a string literal`, valueTok);
    if (['<', '>', '<=', '>='].includes(operator) && value.type === 'bool')
      this.fail(`${operator} needs an orderable literal, not a boolean`, valueTok);
    if (operator === 'MATCHES' && value.type === 'string') {
      try {
        new RegExp(value.value);
      } catch {
        this.fail('MATCHES needs a valid regular expression', valueTok);
      }
    }
    return { kind: 'comparison', path, negated, operator, value, start: path.start, end: valueTok.end };
  }

  private literal(_inSet: boolean): PatternLiteral {
    const t = this.next();
    switch (t.kind) {
      case 'string':
        return { type: 'string', value: t.text, start: t.start };
      case 'int':
        return { type: 'int', value: Number(t.text), start: t.start };
      case 'float':
        return { type: 'float', value: Number(t.text), start: t.start };
      case 'bool':
        return { type: 'bool', value: t.text === 'true', start: t.start };
      case 'timestamp':
        return { type: 'timestamp', value: t.text, start: t.start };
      case 'binary':
        return { type: 'binary', value: t.text, start: t.start };
      case 'hex':
        return { type: 'hex', value: t.text, start: t.start };
      default:
        return this.fail('expected a literal', t);
    }
  }

  private objectPath(): ObjectPath {
    const typeTok = this.next();
    if (typeTok.kind !== 'ident') this.fail('expected an object type such as file or ipv4-addr', typeTok);
    if (!/^[a-z0-9][a-z0-9-]*[a-z0-9]$|^[a-z0-9]$/.test(typeTok.text) && !/^x-/.test(typeTok.text)) {
      // Object types are lower-case with hyphens (STIX 2.1 §3.1); custom ones start with x-.
      if (/[A-Z]/.test(typeTok.text) || /--/.test(typeTok.text))
        this.fail('object type must be lower-case letters, digits and single hyphens', typeTok);
    }
    this.expect('punct', ':', "':' after the object type");
    const steps: PathStep[] = [];
    let end: number;
    const first = this.next();
    if (first.kind === 'ident') {
      if (first.text.includes('-')) this.fail('property names cannot contain hyphens unless quoted', first);
      steps.push({ kind: 'property', name: first.text, quoted: false });
    } else if (first.kind === 'string') steps.push({ kind: 'property', name: first.text, quoted: true });
    else this.fail('expected a property name after the object type', first);
    end = first.end;
    for (;;) {
      if (this.is('punct', '.')) {
        this.next();
        const p = this.next();
        if (p.kind === 'ident') {
          if (p.text.includes('-')) this.fail('property names cannot contain hyphens unless quoted', p);
          steps.push({ kind: 'property', name: p.text, quoted: false });
        } else if (p.kind === 'string') steps.push({ kind: 'property', name: p.text, quoted: true });
        else this.fail("expected a property name after '.'", p);
        end = p.end;
      } else if (this.is('punct', '[') && this.tokens[this.pos + 1].kind !== 'eof' && this.isIndexAhead()) {
        this.next();
        const idx = this.next();
        let index: number | '*';
        if (idx.kind === 'punct' && idx.text === '*') index = '*';
        else if (idx.kind === 'int') index = Number(idx.text);
        else return this.fail("expected an integer or '*' as list index", idx);
        end = this.expect('punct', ']', "']' after the list index").end;
        steps.push({ kind: 'index', index });
      } else break;
    }
    return { objectType: typeTok.text, steps, start: typeTok.start, end };
  }

  /** `[` right after a path is a list index (`[*]`, `[0]`), never a new observation. */
  private isIndexAhead(): boolean {
    const t = this.tokens[this.pos + 1];
    return (t.kind === 'punct' && t.text === '*') || t.kind === 'int';
  }
}

/**
 * Parses a STIX 2.x pattern to its AST. Throws {@link PatternError} (STIX_BAD_PATTERN) with the
 * character offset of the first problem.
 */
export function parsePattern(pattern: string): ObservationNode {
  if (pattern.length > MAX_PATTERN_LENGTH)
    throw new PatternError('STIX_BAD_PATTERN', `pattern longer than ${MAX_PATTERN_LENGTH} characters`, 0);
  return new Parser(tokenizePattern(pattern)).parsePattern();
}

/** Text form of an object path, e.g. `file:hashes.'SHA-256'`. */
export function formatObjectPath(path: ObjectPath): string {
  let s = `${path.objectType}:`;
  path.steps.forEach((step, i) => {
    if (step.kind === 'index') s += `[${step.index}]`;
    else {
      const name = step.quoted ? `'${step.name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : step.name;
      s += i === 0 ? name : `.${name}`;
    }
  });
  return s;
}

// ---------------------------------------------------------------------------------------------
// Indicator extraction

/** An indicator value found in a pattern. */
export interface PatternIndicator {
  type: IndicatorType;
  value: string;
  /** The object path it was compared with, e.g. `file:hashes.'SHA-256'`. */
  path: string;
  /** Character offset of the literal in the pattern. */
  offset: number;
}

/** Result of extraction: the indicators and one error per part that is not an indicator. */
export interface PatternExtraction {
  indicators: PatternIndicator[];
  unsupported: PatternError[];
}

const HASH_TYPES: Record<string, IndicatorType> = {
  md5: 'md5',
  'sha-1': 'sha1',
  sha1: 'sha1',
  'sha-256': 'sha256',
  sha256: 'sha256',
  'sha-512': 'sha512',
  sha512: 'sha512',
  ssdeep: 'ssdeep',
  tlsh: 'tlsh',
};

/** Indicator type a comparison over `path` yields, or undefined when the path is not supported. */
function typeForPath(path: ObjectPath, value: string): IndicatorType | undefined {
  const steps = path.steps;
  const only = (name: string): boolean =>
    steps.length === 1 && steps[0].kind === 'property' && steps[0].name === name;
  switch (path.objectType) {
    case 'ipv4-addr':
      return only('value') ? (value.includes('/') ? 'cidr' : 'ipv4') : undefined;
    case 'ipv6-addr':
      return only('value') ? (value.includes('/') ? 'cidr' : 'ipv6') : undefined;
    case 'domain-name':
      return only('value') ? 'domain' : undefined;
    case 'url':
      return only('value') ? 'url' : undefined;
    case 'email-addr':
      return only('value') ? 'email' : undefined;
    case 'mutex':
      return only('name') ? 'mutex' : undefined;
    case 'file':
      if (only('name')) return 'filename';
      if (
        steps.length === 3 &&
        steps[0].kind === 'property' &&
        steps[0].name === 'extensions' &&
        steps[1].kind === 'property' &&
        steps[1].name === 'windows-pebinary-ext' &&
        steps[2].kind === 'property' &&
        steps[2].name === 'imphash'
      )
        return 'imphash';
      if (
        steps.length === 2 &&
        steps[0].kind === 'property' &&
        steps[0].name === 'hashes' &&
        steps[1].kind === 'property'
      )
        return HASH_TYPES[steps[1].name.toLowerCase()];
      return undefined;
    default: {
      // cairn's own export writes kinds STIX has no object for as x-cairn-<type>:value.
      const m = /^x-cairn-(hostname|imphash|string|byte-pattern|attack-technique)$/.exec(path.objectType);
      return m !== null && only('value') ? (m[1] as IndicatorType) : undefined;
    }
  }
}

/**
 * Extracts indicators from a parsed pattern: every `=` or `IN` comparison (not negated) over
 * ipv4-addr:value, ipv6-addr:value, domain-name:value, url:value, email-addr:value,
 * mutex:name, file:name, file:hashes.*, the PE imphash and cairn's x-cairn-<type>:value, whatever AND/OR/FOLLOWEDBY and qualifiers join them.
 * Each other comparison gives one STIX_UNSUPPORTED_PATTERN error naming it, with its offset.
 */
export function extractPatternIndicators(
  ast: ObservationNode,
  source: string,
  jsonPath?: string,
): PatternExtraction {
  const out: PatternExtraction = { indicators: [], unsupported: [] };
  const unsupported = (node: { start: number; end: number }, why: string): void => {
    const text = source.slice(node.start, Math.min(node.end, node.start + 200));
    out.unsupported.push(
      new PatternError('STIX_UNSUPPORTED_PATTERN', `${why}: ${text}`, node.start, jsonPath),
    );
  };
  const visitCmp = (node: ComparisonNode): void => {
    if (node.kind === 'and' || node.kind === 'or') {
      node.operands.forEach(visitCmp);
      return;
    }
    if (node.kind !== 'comparison') {
      unsupported(node, 'EXISTS does not name a value');
      return;
    }
    const pathText = formatObjectPath(node.path);
    if (node.negated || (node.operator !== '=' && node.operator !== 'IN'))
      return unsupported(
        node,
        `operator ${node.negated ? 'NOT ' : ''}${node.operator} does not name a value`,
      );
    const literals = Array.isArray(node.value) ? node.value : [node.value];
    for (const lit of literals) {
      if (lit.type !== 'string') {
        unsupported(node, `${lit.type} literal compared with ${pathText}`);
        continue;
      }
      const type = typeForPath(node.path, lit.value);
      if (type === undefined) {
        unsupported(node, `object path ${pathText} is not an indicator cairn extracts`);
        return;
      }
      out.indicators.push({ type, value: lit.value, path: pathText, offset: lit.start });
    }
  };
  const visitObs = (node: ObservationNode): void => {
    if (node.kind === 'observation') visitCmp(node.comparison);
    else if (node.kind === 'qualified') visitObs(node.expression);
    else node.operands.forEach(visitObs);
  };
  visitObs(ast);
  return out;
}
