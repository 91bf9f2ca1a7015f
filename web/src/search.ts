/**
 * What the search box lands on: an ASN (`AS4837`, `4837`), a prefix (`175.45.176.0/22`), an
 * address (IPv4 or IPv6) or a country code (`KP`); undefined for anything else.
 */
import { href } from './router';

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9a-f:]*:[0-9a-f:.]*$/i;

export function searchTarget(input: string): string | undefined {
  const text = input.trim();
  const asn = /^(?:AS)?(\d{1,10})$/i.exec(text);
  if (asn !== null && Number(asn[1]) <= 4294967295) return href('as', Number(asn[1]));
  const slash = text.indexOf('/');
  if (slash > 0) {
    const address = text.slice(0, slash);
    const length = text.slice(slash + 1);
    if ((IPV4.test(address) || IPV6.test(address)) && /^\d{1,3}$/.test(length))
      return href('prefix', text.toLowerCase());
    return undefined;
  }
  if (IPV4.test(text) || IPV6.test(text)) return href('ip', text.toLowerCase());
  if (/^[a-z]{2}$/i.test(text)) return href('country', text.toUpperCase());
  return undefined;
}
