/** The real MRT files the bus tests publish, and the countries their digests cover. */
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../../..');
/** Three real RIPE RIS update files (2007 and 2010), 57,000 elements in all. */
export const BUS_FILES = [
  'data/mrt/ripe-bgpdump/updates.20070211.0141.gz',
  'data/mrt/ripe-bgpdump/updates.20071015.1505.gz',
  'data/mrt/ripe-bgpdump/updates.20100722.2015.gz',
].map((f) => path.join(ROOT, f));
export const BUS_COUNTRIES = ['US', 'DE', 'JP', 'KP'];
