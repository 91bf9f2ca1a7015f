/**
 * Where each archive is: the public base URLs (one place in the code, documented in
 * src/feeds/README.md) and the environment variables that replace them. An explicit option wins
 * over the environment, which wins over the public default.
 */
import type { ArchiveSource } from './layouts.js';
import { normalizeBaseUrl } from './layouts.js';

/** The public archives; every RIR site mirrors the other RIRs' statistics folders. */
export const PUBLIC_BASE_URLS: Readonly<Record<ArchiveSource, string>> = {
  ris: 'https://data.ris.ripe.net',
  routeviews: 'https://archive.routeviews.org',
  rir: 'https://ftp.ripe.net/pub/stats',
  asnames: 'https://ftp.ripe.net/ripe/asnames/asn.txt',
};

/** The environment variable that sets each source's base URL. */
export const BASE_URL_ENV: Readonly<Record<ArchiveSource, string>> = {
  ris: 'CAIRN_RIS_URL',
  routeviews: 'CAIRN_ROUTEVIEWS_URL',
  rir: 'CAIRN_RIR_URL',
  asnames: 'CAIRN_ASNAMES_URL',
};

/** The base URL to use: the option, else the environment variable, else the public default. */
export function resolveBaseUrl(
  source: ArchiveSource,
  option: string | undefined,
  env: Readonly<Record<string, string | undefined>> = {},
): string {
  const fromEnv = env[BASE_URL_ENV[source]];
  const chosen = option ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : PUBLIC_BASE_URLS[source]);
  return normalizeBaseUrl(chosen);
}
