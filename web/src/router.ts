/**
 * Hash routes with query parameters: `#/country/KP?from=2014-12-20&tab=graph`. The whole state of
 * a view lives in its URL, so a copied address opens the same view; views change their state with
 * `setQuery`, which replaces the history entry rather than piling one up per keystroke.
 */
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  /** Path segments after `#/`, decoded: `['country', 'KP']`. */
  parts: string[];
  query: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const text = hash.replace(/^#\/?/, '');
  const [path, search = ''] = splitOnce(text, '?');
  const parts = path
    .split('/')
    .filter((part) => part !== '')
    .map((part) => safeDecode(part));
  return { parts, query: new URLSearchParams(search) };
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** The hash of a route: `href('country', 'KP')` is `#/country/KP`. */
export function href(...parts: (string | number)[]): string {
  return '#/' + parts.map((part) => encodeURIComponent(String(part))).join('/');
}

/** `href` with query parameters (undefined and empty values left out). */
export function hrefWith(parts: (string | number)[], query: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    if (value !== undefined && value !== '') search.set(key, value);
  const text = search.toString();
  return href(...parts) + (text === '' ? '' : '?' + text);
}

export function navigate(target: string): void {
  window.location.hash = target;
}

/** Changes query parameters of the current route in place (no new history entry). */
export function setQuery(changes: Record<string, string | undefined>): void {
  const route = parseHash(window.location.hash);
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined || value === '') route.query.delete(key);
    else route.query.set(key, value);
  }
  const search = route.query.toString();
  const hash = href(...route.parts) + (search === '' ? '' : '?' + search);
  window.history.replaceState(null, '', hash);
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const update = () => setRoute(parseHash(window.location.hash));
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}
