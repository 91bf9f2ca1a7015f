/**
 * Fetches the files of a plan into a directory that mirrors the archives' layouts: a few at a
 * time, each into `NAME.part` (continued after a failure, see download.ts), verified, then
 * renamed to `NAME`. A file is renamed into place only once verified, so a file present under its
 * planned name is not fetched again (a `-latest` file only while younger than a day). A file the
 * archive does not have (404) or that fails is reported and the others go on.
 *
 * @example
 * const files = planArchiveFiles({ source: 'ris', collectors: ['rrc00'], from, to, baseUrl });
 * const fetched = await fetchArchiveFiles(files, { dir: 'archives' });
 * const paths = fetched.filter((f) => f.verified).map((f) => f.path); // in time order per collector
 */
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { systemClock, type Clock } from '../../bgp/index.js';
import { CairnError } from '../../errors/index.js';
import type { Compression } from '../../mrt/index.js';
import {
  DEFAULT_RETRY,
  downloadFile,
  partMetaPath,
  removePart,
  type RetryNotice,
  type RetryPolicy,
} from './download.js';
import type { ArchiveFile } from './layouts.js';
import { verifyArchiveFile } from './verify.js';

/** Downloads at a time unless told otherwise: polite to public archives, enough for a fast link. */
export const DEFAULT_CONCURRENCY = 4;
export const MAX_CONCURRENCY = 64;
/** A `-latest` file (RIR statistics, AS names) older than this is fetched again: they change daily. */
export const DEFAULT_LATEST_MAX_AGE_MS = 24 * 60 * 60 * 1000;

export type FetchStatus = 'downloaded' | 'cached' | 'missing' | 'failed';

export interface FetchedFile {
  file: ArchiveFile;
  /** Where the file is (or would be) on disk. */
  path: string;
  status: FetchStatus;
  /** Size on disk (0 when missing or failed). */
  bytes: number;
  /** Whether the file is on disk and passed the checks (size, compression, decompression). */
  verified: boolean;
  fromCache: boolean;
  compression: Compression | undefined;
  /** Bytes after decompression, when the file was read through (downloaded or re-verified). */
  decompressedBytes: number | undefined;
  /** HTTP requests made for it (0 from the cache). */
  attempts: number;
  /** Byte offsets from which a download continued a partial file. */
  resumedFrom: number[];
  /** Why it is missing or failed. */
  problem: CairnError | undefined;
}

export interface FetchHooks {
  onFileStart?(file: ArchiveFile): void;
  /** Bytes written to disk, across all downloads (called per chunk). */
  onBytes?(delta: number): void;
  onFileDone?(result: FetchedFile, done: number, total: number): void;
  onRetry?(notice: RetryNotice): void;
  /** A file missing or failed (the others go on). */
  onProblem?(problem: CairnError): void;
}

export interface FetchArchiveOptions {
  /** The directory the archive layouts are mirrored into. */
  dir: string;
  concurrency?: number;
  clock?: Clock;
  random?: () => number;
  retry?: RetryPolicy;
  idleTimeoutMs?: number;
  /** Read cached files through again before trusting them (a damaged one is fetched again). */
  reverifyCached?: boolean;
  latestMaxAgeMs?: number;
  hooks?: FetchHooks;
}

/** The local path of a planned file under `dir`. */
export function localPathOf(dir: string, file: ArchiveFile): string {
  return path.join(dir, ...file.relativePath.split('/'));
}

async function statOrUndefined(file: string): Promise<{ size: number; mtimeMs: number } | undefined> {
  try {
    const info = await stat(file);
    return info.isFile() ? { size: info.size, mtimeMs: info.mtimeMs } : undefined;
  } catch {
    return undefined;
  }
}

function result(file: ArchiveFile, filePath: string, fields: Partial<FetchedFile>): FetchedFile {
  return {
    file,
    path: filePath,
    status: 'failed',
    bytes: 0,
    verified: false,
    fromCache: false,
    compression: undefined,
    decompressedBytes: undefined,
    attempts: 0,
    resumedFrom: [],
    problem: undefined,
    ...fields,
  };
}

async function fromCache(
  file: ArchiveFile,
  filePath: string,
  options: FetchArchiveOptions,
  clock: Clock,
): Promise<FetchedFile | undefined> {
  const info = await statOrUndefined(filePath);
  if (info === undefined) return undefined;
  const maxAge = options.latestMaxAgeMs ?? DEFAULT_LATEST_MAX_AGE_MS;
  if (file.time === undefined && clock.now() - info.mtimeMs > maxAge) return undefined;
  if (options.reverifyCached !== true)
    return result(file, filePath, {
      status: 'cached',
      bytes: info.size,
      verified: true,
      fromCache: true,
      compression: file.compression,
    });
  try {
    const checked = await verifyArchiveFile(filePath, file.compression, file.url);
    return result(file, filePath, {
      status: 'cached',
      bytes: info.size,
      verified: true,
      fromCache: true,
      compression: checked.compression,
      decompressedBytes: checked.decompressedBytes,
    });
  } catch (error) {
    if (!(error instanceof CairnError) || error.code !== 'FETCH_VERIFY_FAILED') throw error;
    await rm(filePath, { force: true });
    return undefined;
  }
}

async function fetchOne(file: ArchiveFile, options: FetchArchiveOptions, clock: Clock): Promise<FetchedFile> {
  const filePath = localPathOf(options.dir, file);
  const cached = await fromCache(file, filePath, options, clock);
  if (cached !== undefined) return cached;
  const partPath = `${filePath}.part`;
  let attempts = 0;
  let resumedFrom: number[] = [];
  try {
    try {
      await mkdir(path.dirname(filePath), { recursive: true });
    } catch (error) {
      throw new CairnError(
        'FETCH_WRITE_FAILED',
        `cannot create ${path.dirname(filePath)}: ${(error as Error).message}`,
        {
          file: path.dirname(filePath),
        },
      );
    }
    options.hooks?.onFileStart?.(file);
    const download = await downloadFile(file.url, partPath, {
      clock,
      random: options.random ?? Math.random,
      retry: options.retry ?? DEFAULT_RETRY,
      ...(options.idleTimeoutMs !== undefined ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
      ...(options.hooks?.onBytes !== undefined ? { onBytes: options.hooks.onBytes } : {}),
      ...(options.hooks?.onRetry !== undefined ? { onRetry: options.hooks.onRetry } : {}),
      label: file.url,
    });
    attempts = download.attempts;
    resumedFrom = download.resumedFrom;
    if (download.declaredSize !== undefined && download.bytes !== download.declaredSize) {
      await removePart(partPath);
      throw new CairnError(
        'FETCH_VERIFY_FAILED',
        `${download.bytes} bytes on disk, ${download.declaredSize} declared by the server`,
        { file: file.url },
      );
    }
    let checked;
    try {
      checked = await verifyArchiveFile(partPath, file.compression, file.url);
    } catch (error) {
      await removePart(partPath);
      throw error;
    }
    try {
      await rename(partPath, filePath);
      await rm(partMetaPath(partPath), { force: true });
    } catch (error) {
      throw new CairnError('FETCH_WRITE_FAILED', `cannot rename ${partPath}: ${(error as Error).message}`, {
        file: partPath,
      });
    }
    return result(file, filePath, {
      status: 'downloaded',
      bytes: download.bytes,
      verified: true,
      compression: checked.compression,
      decompressedBytes: checked.decompressedBytes,
      attempts,
      resumedFrom,
    });
  } catch (error) {
    if (!(error instanceof CairnError)) throw error;
    return result(file, filePath, {
      status: error.code === 'FETCH_NOT_FOUND' ? 'missing' : 'failed',
      attempts: Math.max(attempts, 1),
      resumedFrom,
      problem: error,
    });
  }
}

/**
 * Fetches `files` with at most `concurrency` downloads at a time; resolves with one result per
 * file, in the order given, once every file is fetched, cached, missing or failed.
 */
export async function fetchArchiveFiles(
  files: readonly ArchiveFile[],
  options: FetchArchiveOptions,
): Promise<FetchedFile[]> {
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY)
    throw new CairnError('FETCH_BAD_OPTION', `concurrency must be an integer from 1 to ${MAX_CONCURRENCY}`, {
      field: 'concurrency',
    });
  const clock = options.clock ?? systemClock;
  const results: FetchedFile[] = new Array<FetchedFile>(files.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const index = next++;
      const fetched = await fetchOne(files[index], options, clock);
      results[index] = fetched;
      done++;
      if (fetched.problem !== undefined) options.hooks?.onProblem?.(fetched.problem);
      options.hooks?.onFileDone?.(fetched, done, files.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  return results;
}
