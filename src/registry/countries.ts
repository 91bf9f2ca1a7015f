/**
 * Country codes accepted in RIR delegated files: the 249 officially assigned ISO 3166-1 alpha-2
 * codes (checked against Debian iso-codes 4.15.0, iso_3166-1.json), plus the codes the RIRs use
 * for themselves: EU (RIPE NCC, European Union / whole region), AP (APNIC, Asia-Pacific region)
 * and ZZ (IANA rows and space with no country).
 */

/** The officially assigned ISO 3166-1 alpha-2 codes, 249 of them. */
const ISO_3166_ALPHA2 = (
  'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE ' +
  'BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD ' +
  'CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM ' +
  'DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF ' +
  'GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ' +
  'ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN ' +
  'KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME ' +
  'MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA ' +
  'NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM ' +
  'PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI ' +
  'SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK ' +
  'TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI ' +
  'VN VU WF WS YE YT ZA ZM ZW '
).trim();

/** Codes that are not ISO countries but that the registries write in the country column. */
export const REGISTRY_REGION_CODES: readonly string[] = ['AP', 'EU', 'ZZ'];

/** The code for IANA rows, unregistered space and rows without a holder. */
export const UNKNOWN_COUNTRY = 'ZZ';

const KNOWN = new Set<string>([...ISO_3166_ALPHA2.split(' '), ...REGISTRY_REGION_CODES]);

/** Number of ISO 3166-1 codes in the list (249). */
export const ISO_COUNTRY_COUNT = ISO_3166_ALPHA2.split(' ').length;

/** True for an ISO 3166-1 alpha-2 code or one of AP, EU, ZZ (upper case only). */
export function isKnownCountryCode(code: string): boolean {
  return KNOWN.has(code);
}

/** The known codes by their letters, at (first - 'A') * 26 + (second - 'A'). */
const BY_LETTERS: Array<string | undefined> = new Array<string | undefined>(26 * 26).fill(undefined);
for (const code of KNOWN) BY_LETTERS[(code.charCodeAt(0) - 65) * 26 + (code.charCodeAt(1) - 65)] = code;

/**
 * The known code written at `text[at, at + 2)`, without cutting the text: the same string for
 * every row that writes it. Undefined when those two characters are not a known code.
 */
export function knownCountryAt(text: string, at: number): string | undefined {
  const first = text.charCodeAt(at) - 65;
  const second = text.charCodeAt(at + 1) - 65;
  if (!(first >= 0 && first < 26 && second >= 0 && second < 26)) return undefined;
  return BY_LETTERS[first * 26 + second];
}
