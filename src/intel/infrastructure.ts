/**
 * Shared infrastructure that must not tie cases together: public DNS resolvers, special-use
 * address space (RFC 6890: private, loopback, link-local, documentation, CGNAT, multicast), large
 * CDN ranges, and a few public services that malware contacts to test connectivity.
 *
 * Why these CDN ranges: Cloudflare publishes its ranges (https://www.cloudflare.com/ips-v4) and an
 * address there is a shared reverse proxy, not an actor's server; Fastly's 151.101.0.0/16 is the
 * same. Cloud provider ranges (AWS, Azure, GCP) are deliberately not listed: a VPS there is rented
 * by one customer at a time and is meaningful evidence, only down-weighted by rarity like any IP.
 */
import { PrefixTrie, parsePrefix, tryParseAddress } from '../net/index.js';

/** Why a value is common infrastructure, with the factor its weight is multiplied by. */
export interface CommonInfrastructure {
  reason: 'public-resolver' | 'special-use' | 'cdn' | 'public-service';
  label: string;
  /** 0 for addresses that cannot identify anyone (private, documentation), small for the others. */
  factor: number;
}

const RESOLVERS: Record<string, string> = {
  '8.8.8.8': 'Google Public DNS',
  '8.8.4.4': 'Google Public DNS',
  '2001:4860:4860::8888': 'Google Public DNS',
  '2001:4860:4860::8844': 'Google Public DNS',
  '1.1.1.1': 'Cloudflare DNS',
  '1.0.0.1': 'Cloudflare DNS',
  '2606:4700:4700::1111': 'Cloudflare DNS',
  '2606:4700:4700::1001': 'Cloudflare DNS',
  '9.9.9.9': 'Quad9',
  '149.112.112.112': 'Quad9',
  '2620:fe::fe': 'Quad9',
  '208.67.222.222': 'OpenDNS',
  '208.67.220.220': 'OpenDNS',
  '4.2.2.1': 'Level 3 resolver',
  '4.2.2.2': 'Level 3 resolver',
  '64.6.64.6': 'Verisign Public DNS',
  '64.6.65.6': 'Verisign Public DNS',
  '77.88.8.8': 'Yandex DNS',
  '94.140.14.14': 'AdGuard DNS',
  '185.228.168.9': 'CleanBrowsing',
};

const RANGES: Array<[string, CommonInfrastructure['reason'], string]> = [
  ['0.0.0.0/8', 'special-use', 'this network (RFC 791)'],
  ['10.0.0.0/8', 'special-use', 'private (RFC 1918)'],
  ['172.16.0.0/12', 'special-use', 'private (RFC 1918)'],
  ['192.168.0.0/16', 'special-use', 'private (RFC 1918)'],
  ['127.0.0.0/8', 'special-use', 'loopback'],
  ['169.254.0.0/16', 'special-use', 'link-local'],
  ['100.64.0.0/10', 'special-use', 'shared address space (RFC 6598)'],
  ['192.0.2.0/24', 'special-use', 'documentation (RFC 5737)'],
  ['198.51.100.0/24', 'special-use', 'documentation (RFC 5737)'],
  ['203.0.113.0/24', 'special-use', 'documentation (RFC 5737)'],
  ['198.18.0.0/15', 'special-use', 'benchmarking (RFC 2544)'],
  ['224.0.0.0/4', 'special-use', 'multicast'],
  ['240.0.0.0/4', 'special-use', 'reserved'],
  ['::1/128', 'special-use', 'loopback'],
  ['fc00::/7', 'special-use', 'unique local (RFC 4193)'],
  ['fe80::/10', 'special-use', 'link-local'],
  ['2001:db8::/32', 'special-use', 'documentation (RFC 3849)'],
  ['173.245.48.0/20', 'cdn', 'Cloudflare'],
  ['103.21.244.0/22', 'cdn', 'Cloudflare'],
  ['103.22.200.0/22', 'cdn', 'Cloudflare'],
  ['103.31.4.0/22', 'cdn', 'Cloudflare'],
  ['141.101.64.0/18', 'cdn', 'Cloudflare'],
  ['108.162.192.0/18', 'cdn', 'Cloudflare'],
  ['190.93.240.0/20', 'cdn', 'Cloudflare'],
  ['188.114.96.0/20', 'cdn', 'Cloudflare'],
  ['197.234.240.0/22', 'cdn', 'Cloudflare'],
  ['198.41.128.0/17', 'cdn', 'Cloudflare'],
  ['162.158.0.0/15', 'cdn', 'Cloudflare'],
  ['104.16.0.0/13', 'cdn', 'Cloudflare'],
  ['104.24.0.0/14', 'cdn', 'Cloudflare'],
  ['172.64.0.0/13', 'cdn', 'Cloudflare'],
  ['131.0.72.0/22', 'cdn', 'Cloudflare'],
  ['2606:4700::/32', 'cdn', 'Cloudflare'],
  ['151.101.0.0/16', 'cdn', 'Fastly'],
];

/** Public services malware contacts to test connectivity or fetch its address; never evidence alone. */
const SERVICES = new Set([
  'google.com',
  'www.google.com',
  'microsoft.com',
  'www.microsoft.com',
  'windowsupdate.com',
  'bing.com',
  'www.bing.com',
  'yahoo.com',
  'github.com',
  'raw.githubusercontent.com',
  'dropbox.com',
  'drive.google.com',
  'pastebin.com',
  'api.ipify.org',
  'ipinfo.io',
  'checkip.dyndns.org',
  'icanhazip.com',
  'myexternalip.com',
  'twitter.com',
  'facebook.com',
]);

const FACTORS: Record<CommonInfrastructure['reason'], number> = {
  'public-resolver': 0.02,
  'special-use': 0,
  cdn: 0.05,
  'public-service': 0.05,
};

let trie: PrefixTrie<[CommonInfrastructure['reason'], string]> | undefined;

/** The common-infrastructure class of an indicator value (IP, domain or URL host), if any. */
export function commonInfrastructure(type: string, value: string): CommonInfrastructure | undefined {
  if (type === 'ipv4' || type === 'ipv6') {
    const resolver = RESOLVERS[value];
    if (resolver !== undefined)
      return { reason: 'public-resolver', label: resolver, factor: FACTORS['public-resolver'] };
    const address = tryParseAddress(value);
    if (address === undefined) return undefined;
    if (trie === undefined) {
      trie = new PrefixTrie();
      for (const [p, reason, label] of RANGES) trie.set(parsePrefix(p), [reason, label]);
    }
    const hit = trie.longestMatch(address);
    if (hit === undefined) return undefined;
    const [reason, label] = hit.value;
    return { reason, label: `${label} ${hit.prefix.toString()}`, factor: FACTORS[reason] };
  }
  if (type === 'domain' || type === 'hostname') {
    if (SERVICES.has(value))
      return { reason: 'public-service', label: value, factor: FACTORS['public-service'] };
  }
  if (type === 'url') {
    const host = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^:/?#]*)/i.exec(value)?.[1];
    if (host !== undefined && SERVICES.has(host) && /^[a-z]+:\/\/[^/]+\/?$/i.test(value))
      return { reason: 'public-service', label: host, factor: FACTORS['public-service'] };
  }
  return undefined;
}
