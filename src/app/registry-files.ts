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
import { resolve } from 'node:path';
import { CairnError } from '../errors/index.js';
import {
  AsNames,
  Registry,
  type DelegatedFile,
  type LoadReport,
  type ParseDelegatedOptions,
} from '../registry/index.js';
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

export interface LoadedRegistry {
  registry: Registry;
  problems: CairnError[];
  reports: LoadReport[];
}

/**
 * A registry handed to every caller that loads the same files: it refuses further loads, which
 * would change it under the other callers.
 */
class SharedRegistry extends Registry {
  #sealed = false;

  seal(): this {
    this.#sealed = true;
    return this;
  }

  override loadText(name: string, text: string, options?: ParseDelegatedOptions): LoadReport {
    this.refuseIfSealed(name);
    return super.loadText(name, text, options);
  }

  override loadParsed(parsed: DelegatedFile): LoadReport {
    this.refuseIfSealed(parsed.file);
    return super.loadParsed(parsed);
  }

  private refuseIfSealed(file: string): void {
    if (this.#sealed) {
      throw new CairnError('REGISTRY_SHARED', 'this registry is shared: load every file in one call', {
        file,
      });
    }
  }
}

/**
 * Loaded registries and AS names by file identity (path, size, modification time, inode) and
 * options: a process that answers several questions (the server, a test run) parses the same
 * files once. A file rewritten in place gets a new identity and is read again.
 */
const cache = new Map<string, Promise<LoadedRegistry | AsNames>>();
/** Entries kept: a few sets of registry files and names files, each some tens of MB in memory. */
const CACHE_ENTRIES = 8;

/** The identity of the files and options, or undefined when a file cannot be looked at (not cached). */
async function cacheKey(
  kind: string,
  paths: readonly string[],
  options: object,
): Promise<string | undefined> {
  const parts: string[] = [kind, JSON.stringify(options)];
  for (const path of paths) {
    try {
      const info = await stat(path);
      if (!info.isFile()) return undefined;
      parts.push(`${resolve(path)}\0${info.size}\0${info.mtimeMs}\0${info.ino}`);
    } catch {
      return undefined;
    }
  }
  return parts.join('\n');
}

/** `load()` once per key; the oldest entry goes when the cache is full. */
async function cached<T extends LoadedRegistry | AsNames>(
  key: string | undefined,
  load: () => Promise<T>,
): Promise<T> {
  if (key === undefined) return load();
  let entry = cache.get(key) as Promise<T> | undefined;
  if (entry === undefined) {
    entry = load();
    cache.set(key, entry);
    while (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
    entry.catch(() => cache.delete(key));
  }
  return entry;
}

/**
 * Reads delegated files and loads them together into one Registry. A file that cannot be read
 * is a problem, not an exception; the others still load. The same files (unchanged) with the
 * same options give the same Registry, which refuses further loads (REGISTRY_SHARED).
 */
export async function loadRegistryFiles(
  paths: readonly string[],
  options: ParseDelegatedOptions & { maxBytes?: number } = {},
): Promise<LoadedRegistry> {
  const key = await cacheKey('registry', paths, options);
  const loaded = await cached(key, () => readRegistryFiles(paths, options));
  return { registry: loaded.registry, problems: [...loaded.problems], reports: [...loaded.reports] };
}

async function readRegistryFiles(
  paths: readonly string[],
  options: ParseDelegatedOptions & { maxBytes?: number },
): Promise<LoadedRegistry> {
  const registry = new SharedRegistry();
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
  return { registry: registry.seal(), problems, reports };
}

/**
 * Reads an AS-names JSON file (gzip or plain). Unreadable or non-JSON input gives an empty set and
 * a problem. AsNames cannot change, so an unchanged file gives the same AsNames to every caller.
 */
export async function loadAsNamesFile(path: string, options: { maxBytes?: number } = {}): Promise<AsNames> {
  return cached(await cacheKey('asnames', [path], options), async () => {
    const text = await readRegistryText(path, options.maxBytes);
    if (typeof text !== 'string') return AsNames.fromProblem(text);
    return AsNames.fromJson(path, text);
  });
}
