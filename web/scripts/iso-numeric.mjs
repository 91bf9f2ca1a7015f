/**
 * Writes web/src/data/iso-numeric.json: ISO 3166-1 numeric code -> alpha-2, for the country ids
 * world-atlas uses, from Debian's iso-codes package (/usr/share/iso-codes/json/iso_3166-1.json,
 * LGPL-2.1+; the codes themselves are the ISO 3166-1 standard's). Run: node web/scripts/iso-numeric.mjs
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ISO = process.env.ISO_CODES_JSON ?? '/usr/share/iso-codes/json/iso_3166-1.json';
const ATLAS = fileURLToPath(new URL('../../node_modules/world-atlas/countries-110m.json', import.meta.url));
const OUT = fileURLToPath(new URL('../src/data/iso-numeric.json', import.meta.url));

const byNumeric = new Map(JSON.parse(readFileSync(ISO, 'utf8'))['3166-1'].map((c) => [c.numeric, c.alpha_2]));
const atlas = JSON.parse(readFileSync(ATLAS, 'utf8'));
const table = {};
const missing = [];
for (const g of atlas.objects.countries.geometries) {
  if (g.id === undefined) continue;
  const alpha2 = byNumeric.get(g.id);
  if (alpha2 === undefined) missing.push(`${g.id} ${g.properties.name}`);
  else table[g.id] = alpha2;
}
const sorted = Object.fromEntries(Object.entries(table).sort(([a], [b]) => a.localeCompare(b)));
writeFileSync(
  OUT,
  JSON.stringify(
    {
      source:
        'ISO 3166-1 numeric to alpha-2, from Debian iso-codes 4.15 (iso_3166-1.json), for the ids of world-atlas 2.0 countries-110m',
      byNumeric: sorted,
    },
    null,
    1,
  ) + '\n',
);
console.log(
  `${Object.keys(sorted).length} codes written; not in ISO 3166-1: ${missing.join(', ') || 'none'}`,
);
