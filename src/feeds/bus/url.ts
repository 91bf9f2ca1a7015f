/**
 * The bus address a face names: `nats://host:port[,host:port...][?stream=NAME&subject=SUBJECT]`.
 * Every server of a NATS cluster may be listed; the stream and the subject have defaults so that
 * one machine runs everything with `nats://127.0.0.1:4222`.
 */
import { CairnError } from '../../errors/index.js';

/** The stream elements are kept in unless the URL names another. */
export const DEFAULT_BUS_STREAM = 'CAIRN_ELEMENTS';
/** Subjects of the stream: one per source (`cairn.elements.<source>`). */
export const BUS_SUBJECT_PREFIX = 'cairn.elements';

export interface BusUrl {
  /** `host:port` of every server listed. */
  servers: string[];
  stream: string;
  /** The subject to publish on or to read (a wildcard reads every source); default `cairn.elements.>`. */
  subject: string;
  /** The URL as given, for messages. */
  text: string;
}

export function isBusUrl(text: string): boolean {
  return text.startsWith('nats://');
}

const TOKEN = /^[A-Za-z0-9_-]+$/;
const SUBJECT = /^[A-Za-z0-9_.>*-]+$/;

/** Parses a bus URL; a malformed one is a `BUS_BAD_URL` naming the part. */
export function parseBusUrl(text: string): BusUrl {
  const bad = (why: string): never => {
    throw new CairnError(
      'BUS_BAD_URL',
      `${why}: ${text} (nats://host:port[,host:port...][?stream=S&subject=X])`,
      {
        field: 'url',
      },
    );
  };
  if (!isBusUrl(text)) bad('not a nats:// URL');
  const rest = text.slice('nats://'.length);
  const [hostPart, query = ''] = rest.split('?', 2);
  const servers = hostPart.replace(/\/$/, '').split(',');
  for (const server of servers)
    if (!/^[A-Za-z0-9.:[\]-]+:[0-9]{1,5}$/.test(server)) bad(`bad server ${JSON.stringify(server)}`);
  const params = new URLSearchParams(query);
  const stream = params.get('stream') ?? DEFAULT_BUS_STREAM;
  if (!TOKEN.test(stream)) bad('the stream name takes letters, digits, - and _');
  const subject = params.get('subject') ?? `${BUS_SUBJECT_PREFIX}.>`;
  if (!SUBJECT.test(subject) || !subject.startsWith(`${BUS_SUBJECT_PREFIX}.`))
    bad(`the subject must be under ${BUS_SUBJECT_PREFIX}.`);
  return { servers, stream, subject, text };
}

/** The subject a source publishes on: `cairn.elements.<source>` (dots and wildcards replaced). */
export function sourceSubject(source: string): string {
  return `${BUS_SUBJECT_PREFIX}.${source.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}
