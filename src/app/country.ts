/**
 * The routing questions about a country, an AS, an address and every country at once, answered
 * by the observatory over a routing world loaded from MRT files, the RIR registry and AS names.
 * Each result is validated against its schema on the way out, so what a face prints (the CLI's
 * --json, the HTTP API) holds exactly the schema's fields.
 *
 * @example
 * const kp = await countryReport({ country: 'KP', mrt: ['data/mrt/ripe-bgpdump/updates.et-header.2015.gz'] });
 * kp.upstreams; // [{ asn: 4837, name: 'CHINA169-BACKBONE', country: 'CN', share: 1 }]
 */
import { z } from 'zod';
import { formatAddress, parseAddress, parseAsn } from '../net/index.js';
import { parseCountryCode } from '../observatory/index.js';
import type { WorkHooks } from './progress.js';
import { loadRoutingWorld } from './world.js';

/** Where the routes, the registry and the AS names come from. */
export const RoutingSources = z.object({
  /** MRT files: RIB dumps and/or update files (plain, gzip, bzip2). */
  mrt: z.array(z.string()).min(1),
  /** RIR delegated files (default: the bundled APNIC 2014 file). */
  registry: z.array(z.string()).optional(),
  /** AS names JSON (default: the bundled asnames.json.gz). */
  asnames: z.string().optional(),
});
export type RoutingSources = z.infer<typeof RoutingSources>;

export const SpaceSize = z.object({ ipv4Slash24s: z.number(), ipv6Slash48s: z.number() });

export const NamedAs = z.object({ asn: z.number(), name: z.string(), country: z.string() });
export type NamedAs = z.infer<typeof NamedAs>;

/** Share of a space that the paths carry through an upstream (first AS outside the country). */
export const UpstreamShare = NamedAs.extend({ share: z.number() });
export type UpstreamShare = z.infer<typeof UpstreamShare>;

/** AS hegemony of an AS for a space (IPv4 when the space has IPv4, else IPv6). */
export const Dependency = z.object({
  asn: z.number(),
  name: z.string(),
  hegemony: z.number(),
  ipv4: z.number(),
  ipv6: z.number(),
});
export type Dependency = z.infer<typeof Dependency>;

const VantagePoints = z.object({ peers: z.number(), peerAses: z.number() });

export const CountryInput = RoutingSources.extend({
  /** ISO 3166-1 alpha-2 code, any case. */
  country: z.string(),
});
export type CountryInput = z.infer<typeof CountryInput>;

export const CountryResult = z.object({
  country: z.string(),
  prefixes: z.array(z.object({ prefix: z.string(), origins: z.array(z.number()) })),
  space: z.object({ registered: SpaceSize, visible: SpaceSize.extend({ ipv6Prefixes: z.number() }) }),
  origins: z.array(z.object({ asn: z.number(), name: z.string(), share: z.number() })),
  upstreams: z.array(UpstreamShare),
  dependency: z.array(Dependency),
  chokepoints: z.array(z.number()),
  upstreamCount: z.number(),
  vantagePoints: VantagePoints,
});
export type CountryResult = z.infer<typeof CountryResult>;

export const AsInput = RoutingSources.extend({
  /** AS number, as a number or text such as `AS131279`. */
  asn: z.union([z.number(), z.string()]),
});
export type AsInput = z.infer<typeof AsInput>;

export const AsResult = z.object({
  asn: z.number(),
  name: z.string(),
  country: z.string(),
  prefixes: z.array(z.object({ prefix: z.string(), country: z.string() })),
  space: SpaceSize.extend({ ipv6Prefixes: z.number() }),
  /** ASes next to it toward the vantage points, with the share of its visible space they carry. */
  upstreams: z.array(UpstreamShare),
  /** ASes next to it away from the vantage points, with their path counts. */
  downstreams: z.array(NamedAs.extend({ paths: z.number() })),
  dependency: z.array(Dependency),
  vantagePoints: VantagePoints,
});
export type AsResult = z.infer<typeof AsResult>;

export const IpInput = RoutingSources.extend({ address: z.string() });
export type IpInput = z.infer<typeof IpInput>;

export const IpResult = z.object({
  address: z.string(),
  /** The longest announced prefix holding the address (absent when none is announced). */
  prefix: z.string().optional(),
  /** Every announced prefix containing the address, least specific first. */
  covering: z.array(z.string()),
  origins: z.array(NamedAs),
  /** Registry country of the address ('' when unknown). */
  country: z.string(),
  registry: z.string(),
  paths: z.array(
    z.object({
      peerAddress: z.string(),
      peerAsn: z.number(),
      asPath: z.string(),
      /** From the origin toward the peer, up to and including the first AS outside the country. */
      upstreamChain: z.array(NamedAs),
    }),
  ),
});
export type IpResult = z.infer<typeof IpResult>;

export const CountriesInput = RoutingSources;
export type CountriesInput = RoutingSources;

export const CountryRank = z.object({
  country: z.string(),
  prefixes: z.number(),
  visibleIpv4Slash24s: z.number(),
  upstreamCount: z.number(),
  /** The AS with the largest dependency (absent when no AS is crossed). */
  top: Dependency.optional(),
  chokepoints: z.array(z.number()),
});
export type CountryRank = z.infer<typeof CountryRank>;

export const CountriesResult = z.object({ countries: z.array(CountryRank) });
export type CountriesResult = z.infer<typeof CountriesResult>;

/** How a country reaches the Internet. Throws OBSERVATORY_BAD_COUNTRY before loading anything. */
export async function countryReport(input: CountryInput, hooks: WorkHooks = {}): Promise<CountryResult> {
  const { country, ...sources } = CountryInput.parse(input);
  const code = parseCountryCode(country);
  const { observatory } = await loadRoutingWorld(sources, hooks);
  return CountryResult.parse(observatory.country(code));
}

/** An AS: what it originates, its neighbours, the dependency of its space. */
export async function asnReport(input: AsInput, hooks: WorkHooks = {}): Promise<AsResult> {
  const { asn, ...sources } = AsInput.parse(input);
  const number = parseAsn(String(asn));
  const { observatory } = await loadRoutingWorld(sources, hooks);
  return AsResult.parse(observatory.asView(number));
}

/** An address: matching prefix, origins, registry country, every peer's path and chain to the border. */
export async function ipReport(input: IpInput, hooks: WorkHooks = {}): Promise<IpResult> {
  const { address: text, ...sources } = IpInput.parse(input);
  const address = parseAddress(text);
  const { observatory } = await loadRoutingWorld(sources, hooks);
  return IpResult.parse(observatory.addressView(address, formatAddress(address)));
}

/** Every country ranked by its largest dependency, single-upstream countries first. */
export async function countriesReport(
  input: CountriesInput,
  hooks: WorkHooks = {},
): Promise<CountriesResult> {
  const sources = CountriesInput.parse(input);
  const { observatory } = await loadRoutingWorld(sources, hooks);
  return CountriesResult.parse({ countries: observatory.rankCountries() });
}
