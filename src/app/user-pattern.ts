/**
 * Regular expressions given by users (`--victim-naming`, the API's victimNaming) run on V8's
 * linear-time engine (the `l` flag of --enable-experimental-regexp-engine), so a pattern such as
 * `^(a+)+$` costs time linear in the host name instead of exponential. Patterns that engine
 * cannot run in linear time (backreferences, lookaround, large counted repetitions) are refused
 * by name. Matching is case-insensitive the way the callers need it: host names are lower-cased
 * before they are tested, and the pattern's letters are lower-cased here (the linear engine has
 * no `i` flag).
 *
 * @example
 * const naming = compileUserPattern('^(spe|sphe)[a-z0-9-]*', 'victim-naming');
 * naming.test('spe-dc01.corp'); // true
 */
import { setFlagsFromString } from 'node:v8';
import { CairnError } from '../errors/index.js';

// A V8 flag read when a pattern is compiled; it changes nothing for patterns without the `l` flag.
setFlagsFromString('--enable-experimental-regexp-engine');
const LINEAR = 'l';

/** Lower-cases the letters of `pattern` except the one after a backslash (`\D`, `\W`, `\B`...). */
function lowerOutsideEscapes(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length) {
      out += c + pattern[i + 1];
      i++;
      // \p{...} and \P{...} name Unicode properties, whose names are case-sensitive.
      if ((pattern[i] === 'p' || pattern[i] === 'P') && pattern[i + 1] === '{') {
        const end = pattern.indexOf('}', i);
        if (end > i) {
          out += pattern.slice(i + 1, end + 1);
          i = end;
        }
      }
      continue;
    }
    out += c.toLowerCase();
  }
  return out;
}

/**
 * Compiles a user's pattern for the linear-time engine; throws INTEL_BAD_OPTION naming `field`
 * when it is not a regular expression or cannot run in linear time.
 */
export function compileUserPattern(pattern: string, field: string): RegExp {
  try {
    return new RegExp(lowerOutsideEscapes(pattern), LINEAR);
  } catch (error) {
    const linear = /linear time/.test((error as Error).message);
    throw new CairnError(
      'INTEL_BAD_OPTION',
      linear
        ? `--${field} ${pattern}: this pattern cannot run in linear time (backreferences, lookaround and large counted repetitions are not supported)`
        : `not a regular expression: ${pattern}`,
      { field },
    );
  }
}
