/**
 * Opening the registry's files for it: registry parses the text it is handed (DESIGN.md: domain
 * modules do no I/O), so reading a delegated or AS-names file, gunzipping it when its magic
 * bytes say gzip (names do not matter) and bounding its size happen here.
 *
 * @example
 * const { registry, problems } = await loadRegistryFiles(['data/registry/delegated-apnic-20141009.gz']);
 * const names = await loadAsNamesFile('data/registry/asnames.json.gz');
 */
import { readFile, stat } from 'node:fs/promises';
import { CairnError } from '../errors/index.js';
import { AsNames, Registry, type LoadReport, type ParseDelegatedOptions } from '../registry/index.js';
import { gunzipInput, isOutputTooLarge } from './input-file.js';

/** Default bound on a decompressed registry file: the largest real delegated file is about 3 MB. */
export const REGISTRY_MAX_BYTES = 256 * 1024 * 1024;

/**
 * Reads `path` as UTF-8 text, decompressing gzip. Errors: REGISTRY_READ_FAILED (missing file,
 * permissions, not a regular file), REGISTRY_TOO_LARGE (over `maxBytes` before or after
 * decompression), REGISTRY_BAD_GZIP (corrupt or truncated gzip stream).
 */
export async function readRegistryText(
  path: string,
  maxBytes = REGISTRY_MAX_BYTES,
): Promise<string | CairnError> {
  let bytes: Buffer;
  try {
    const info = await stat(path);
    if (!info.isFile()) return new CairnError('REGISTRY_READ_FAILED', 'not a regular file', { file: path });
    if (info.size > maxBytes) {
      return new CairnError(
        'REGISTRY_TOO_LARGE',
        `file of ${info.size} bytes is above the ${maxBytes}-byte bound`,
        {
          file: path,
        },
      );
    }
    bytes = await readFile(path);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return new CairnError('REGISTRY_READ_FAILED', `cannot read: ${reason}`, { file: path }, { cause: error });
  }
  try {
    const text = await gunzipInput(bytes, maxBytes);
    return Buffer.from(text.buffer, text.byteOffset, text.byteLength).toString('utf8');
  } catch (error) {
    if (isOutputTooLarge(error)) {
      return new CairnError('REGISTRY_TOO_LARGE', `decompresses to more than ${maxBytes} bytes`, {
        file: path,
      });
    }
    const reason = error instanceof Error ? error.message : String(error);
    return new CairnError(
      'REGISTRY_BAD_GZIP',
      `gzip stream is corrupt: ${reason}`,
      { file: path },
      { cause: error },
    );
  }
}

/**
 * Reads delegated files and loads them together into one Registry. A file that cannot be read
 * is a problem, not an exception; the others still load.
 */
export async function loadRegistryFiles(
  paths: readonly string[],
  options: ParseDelegatedOptions & { maxBytes?: number } = {},
): Promise<{ registry: Registry; problems: CairnError[]; reports: LoadReport[] }> {
  const registry = new Registry();
  const problems: CairnError[] = [];
  const reports: LoadReport[] = [];
  for (const path of paths) {
    const read = await readRegistryText(path, options.maxBytes);
    if (typeof read !== 'string') {
      problems.push(read);
      continue;
    }
    const report = registry.loadText(path, read, options);
    reports.push(report);
    problems.push(...report.problems);
  }
  return { registry, problems, reports };
}

/** Reads an AS-names JSON file (gzip or plain). Unreadable or non-JSON input gives an empty set and a problem. */
export async function loadAsNamesFile(path: string, options: { maxBytes?: number } = {}): Promise<AsNames> {
  const text = await readRegistryText(path, options.maxBytes);
  if (typeof text !== 'string') return AsNames.fromProblem(text);
  return AsNames.fromJson(path, text);
}
