/**
 * Just enough YARA to use rules as evidence: split a rules file into rules (comments skipped),
 * and collect their hex byte patterns, so that a "hash" that is really a fragment of a rule's
 * byte pattern can be recognised (see csv.ts). Not a YARA compiler or matcher.
 */

/** One rule of a rules file. */
export interface YaraRule {
  name: string;
  /** Rule text from `rule` to its closing brace. */
  text: string;
  /** 1-based line of the `rule` keyword. */
  line: number;
  /** Hex strings (`{4D 5A ?? 90}`, also a hex body written by mistake inside quotes), upper-case, no spaces. */
  hexStrings: string[];
  /** Text strings (`"..."`), unescaped as written (escapes kept). */
  textStrings: string[];
  /** The `meta:` section, each key's first value (strings as written, escapes kept). */
  meta: Record<string, string | number | boolean>;
}

/** The `meta:` entries of a rule body (comments already blanked). */
function metaOf(body: string): Record<string, string | number | boolean> {
  const meta: Record<string, string | number | boolean> = {};
  const section = /\bmeta\s*:([\s\S]*?)(?:\b(?:strings|condition)\s*:|$)/.exec(body);
  if (section === null) return meta;
  for (const m of section[1].matchAll(/([A-Za-z_]\w*)\s*=\s*("(?:[^"\\\n]|\\.)*"|-?\d+|true|false)/g)) {
    if (Object.hasOwn(meta, m[1])) continue;
    const v = m[2];
    meta[m[1]] = v.startsWith('"') ? v.slice(1, -1) : v === 'true' ? true : v === 'false' ? false : Number(v);
  }
  return meta;
}

/** Replaces comments by spaces (keeping offsets and line numbers), leaving strings intact. */
function blankComments(src: string): string {
  let out = '';
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i];
    if (c === '"') {
      let j = i + 1;
      while (j < n && src[j] !== '"' && src[j] !== '\n') j += src[j] === '\\' ? 2 : 1;
      out += src.slice(i, j + 1);
      i = j + 1;
    } else if (c === '/' && src[i + 1] === '/') {
      let j = i;
      while (j < n && src[j] !== '\n') j++;
      out += ' '.repeat(j - i);
      i = j;
    } else if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      const j = end < 0 ? n : end + 2;
      out += src.slice(i, j).replace(/[^\n]/g, ' ');
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Parses the rules of a YARA file (tolerant: a rule without a closing brace ends the file). */
export function parseYaraRules(src: string): YaraRule[] {
  const text = blankComments(src);
  const rules: YaraRule[] = [];
  const re = /\brule\s+([A-Za-z_][A-Za-z0-9_]{0,127})\b[^{]*\{/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    let depth = 1;
    let j = re.lastIndex;
    while (j < text.length && depth > 0) {
      const c = text[j];
      if (c === '"') {
        j++;
        while (j < text.length && text[j] !== '"' && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      } else if (c === '{') depth++;
      else if (c === '}') depth--;
      j++;
    }
    const body = text.slice(m.index, j);
    const hexStrings: string[] = [];
    const textStrings: string[] = [];
    for (const s of body.matchAll(/\$\w*\s*=\s*(\{[^}]*\}|"(?:[^"\\\n]|\\.)*")/g)) {
      const v = s[1];
      if (v.startsWith('{')) hexStrings.push(v.slice(1, -1).replace(/\s+/g, '').toUpperCase());
      else {
        const inner = v.slice(1, -1);
        // A hex body written inside quotes is a text string to YARA, but its author meant bytes.
        if (/^\{[0-9A-Fa-f?\s]+\}$/.test(inner))
          hexStrings.push(inner.slice(1, -1).replace(/\s+/g, '').toUpperCase());
        else textStrings.push(inner);
      }
    }
    rules.push({
      name: m[1],
      text: src.slice(m.index, j),
      line: src.slice(0, m.index).split('\n').length,
      hexStrings,
      textStrings,
      meta: metaOf(body),
    });
    re.lastIndex = j;
  }
  return rules;
}

/** Index of the hex byte patterns of a set of rules, to test whether a hex value is a fragment of one. */
export class YaraHexIndex {
  private readonly patterns: { rule: string; hex: string }[] = [];

  /** Adds the rules of one file. */
  addRules(src: string): this {
    for (const r of parseYaraRules(src))
      for (const hex of r.hexStrings) this.patterns.push({ rule: r.name, hex });
    return this;
  }

  /** Number of hex patterns held. */
  get size(): number {
    return this.patterns.length;
  }

  /**
   * Name of the rule whose hex pattern contains `hex` verbatim (at least 16 hex digits, compared
   * case-insensitively), or undefined.
   */
  ruleContaining(hex: string): string | undefined {
    if (hex.length < 16 || !/^[0-9a-fA-F]+$/.test(hex)) return undefined;
    const needle = hex.toUpperCase();
    // No byte-alignment check: hand-written patterns (like the quoted one in TA14-353A) have odd
    // runs of `?`, so their nibbles are misaligned; 16+ hex digits rule out chance matches.
    for (const p of this.patterns) if (p.hex.includes(needle)) return p.rule;
    return undefined;
  }
}
