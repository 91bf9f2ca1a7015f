/**
 * The write token: 32 random bytes, created on the first start in a file only its owner can read
 * (mode 0600), and compared in constant time. Every write route needs `Authorization: Bearer TOKEN`.
 *
 * @example
 * const { token, created } = await ensureToken(defaultTokenFile());
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, open, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { CairnError } from '../errors/index.js';

export const TOKEN_BYTES = 32;

/** `$CAIRN_HOME/api-token`, `$CAIRN_HOME` defaulting to `~/.cairn` (where the store lives too). */
export function defaultTokenFile(env: NodeJS.ProcessEnv = process.env): string {
  const home =
    env.CAIRN_HOME !== undefined && env.CAIRN_HOME !== '' ? env.CAIRN_HOME : path.join(homedir(), '.cairn');
  return path.join(home, 'api-token');
}

function tokenFileError(file: string, reason: string, cause?: unknown): CairnError {
  return new CairnError('SERVER_TOKEN_FILE', `API token file ${reason}`, { file }, { cause });
}

/**
 * The token in `file`, created (random, mode 0600) when the file does not exist; `created` says
 * whether this call made it, so the caller prints it once. A file others can read is refused.
 */
export async function ensureToken(file: string): Promise<{ token: string; created: boolean }> {
  try {
    const info = await stat(file);
    if ((info.mode & 0o077) !== 0) throw tokenFileError(file, 'is readable by other users (chmod 600 it)');
    const token = (await readFile(file, 'utf8')).trim();
    if (token.length < 32) throw tokenFileError(file, 'holds no token (delete it to make a new one)');
    return { token, created: false };
  } catch (error) {
    if (error instanceof CairnError) throw error;
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      throw tokenFileError(file, 'cannot be read', error);
  }
  const token = randomBytes(TOKEN_BYTES).toString('base64url');
  try {
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    // 'wx': a file another process created meanwhile is not overwritten.
    const handle = await open(file, 'wx', 0o600);
    try {
      await handle.writeFile(token + '\n');
    } finally {
      await handle.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return ensureToken(file);
    throw tokenFileError(file, 'cannot be created', error);
  }
  return { token, created: true };
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** Whether an Authorization header carries `token`, compared in constant time on equal-length digests. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer ([^\s]+)\s*$/i.exec(header ?? '');
  const given = match === null ? '' : match[1];
  const equal = timingSafeEqual(digest(given), digest(token));
  return match !== null && equal;
}
