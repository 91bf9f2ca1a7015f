/**
 * A workspace: the routing world (MRT files, registry, AS names) loaded once and kept, so a
 * long-running face (the HTTP server) answers each question without reloading files. The
 * questions are the same as `countryReport`, `asnReport`, `ipReport` and `countriesReport` and
 * return the same result schemas; they differ only in reading the kept world.
 *
 * @example
 * const workspace = await Workspace.load({ mrt: [DEMO_MRT_FILE] });
 * workspace.country('KP').upstreams[0].asn; // 4837
 */
import path from 'node:path';
import { z } from 'zod';
import { formatAddress, parseAddress, parseAsn, parsePrefix } from '../net/index.js';
import { Observatory, parseCountryCode } from '../observatory/index.js';
import { RoutingTable } from '../routing/index.js';
import { AsResult, CountriesResult, CountryResult, IpResult } from './country.js';
import { DEFAULT_ASNAMES_FILE, DEFAULT_REGISTRY_FILES, DEMO_MRT_FILE } from './defaults.js';
import type { WorkHooks } from './progress.js';
import { orderMrtFiles, replayMrtFiles } from './replay.js';
import type { RoutingWorld } from './world.js';
import { loadAsNamesFile, loadRegistryFiles } from './registry-files.js';

/**
 * A prefix: the address view of its first address. `prefix` is the longest announced prefix
 * there (the one whose origins and paths are given); `exact` says whether it is the prefix asked.
 */
export const PrefixResult = IpResult.omit({ address: true }).extend({
  query: z.string(),
  exact: z.boolean(),
});
export type PrefixResult = z.infer<typeof PrefixResult>;

export interface WorkspaceSources {
  /** MRT files (default: the bundled RIS table of October 2015). */
  mrt?: readonly string[];
  /** RIR delegated files (default: the bundled APNIC 2014 file). */
  registry?: readonly string[];
  /** AS names JSON (default: the bundled asnames.json.gz). */
  asnames?: string;
}

/** What the answers rest on: vantage points, files read and the names of the sources. */
export interface WorkspaceCoverage {
  peers: number;
  files: number;
  /** File names (never full paths: a face may show them to anyone). */
  sources: string[];
}

/** The time span of the routing data, ISO 8601; null when no element was read. */
export interface DataTime {
  from: string;
  to: string;
}

const iso = (seconds: number): string => new Date(Math.round(seconds * 1000)).toISOString();

/** Country views kept (there are fewer than 260 country codes). */
const MAX_CACHED_VIEWS = 300;

export class Workspace {
  private ranking: CountriesResult | undefined;
  private readonly countryViews = new Map<string, CountryResult>();

  private constructor(
    readonly world: RoutingWorld,
    readonly sources: Required<WorkspaceSources>,
    readonly coverage: WorkspaceCoverage,
    readonly dataTime: DataTime | null,
  ) {}

  /** Loads the sources once; problems go to `hooks.onProblem` and loading goes on. */
  static async load(input: WorkspaceSources = {}, hooks: WorkHooks = {}): Promise<Workspace> {
    const sources: Required<WorkspaceSources> = {
      mrt: input.mrt ?? [DEMO_MRT_FILE],
      registry: input.registry ?? DEFAULT_REGISTRY_FILES,
      asnames: input.asnames ?? DEFAULT_ASNAMES_FILE,
    };
    const table = new RoutingTable();
    await replayMrtFiles(sources.mrt, table, hooks);
    const loaded = await loadRegistryFiles([...sources.registry]);
    for (const problem of loaded.problems) hooks.onProblem?.(problem);
    const names = await loadAsNamesFile(sources.asnames);
    for (const problem of names.problems) hooks.onProblem?.(problem);
    const world: RoutingWorld = {
      table,
      registry: loaded.registry,
      names,
      observatory: new Observatory(table, loaded.registry, names),
    };
    let from = Infinity;
    for (const head of await orderMrtFiles(sources.mrt).catch(() => [])) from = Math.min(from, head.time);
    let to = -Infinity;
    table.forEachRoute((_prefix, _peer, _attributes, time) => {
      if (time > to) to = time;
    });
    if (!Number.isFinite(from) || from > to) from = to;
    const dataTime = Number.isFinite(from) && Number.isFinite(to) ? { from: iso(from), to: iso(to) } : null;
    const coverage: WorkspaceCoverage = {
      peers: table.peerCount,
      files: sources.mrt.length + sources.registry.length + 1,
      sources: [...sources.mrt, ...sources.registry, sources.asnames].map((file) => path.basename(file)),
    };
    return new Workspace(world, sources, coverage, dataTime);
  }

  /** Every country ranked by its largest dependency (as `countriesReport`); computed once. */
  countries(): CountriesResult {
    this.ranking ??= CountriesResult.parse({ countries: this.world.observatory.rankCountries() });
    return this.ranking;
  }

  /** How a country reaches the Internet (as `countryReport`); OBSERVATORY_BAD_COUNTRY on a bad code. */
  country(code: string): CountryResult {
    const cc = parseCountryCode(code);
    let view = this.countryViews.get(cc);
    if (view === undefined) {
      view = CountryResult.parse(this.world.observatory.country(cc));
      // The world does not change once loaded, so a view computed once stays true.
      if (this.countryViews.size < MAX_CACHED_VIEWS) this.countryViews.set(cc, view);
    }
    return view;
  }

  /** An AS (as `asnReport`). */
  asn(asn: string | number): AsResult {
    return AsResult.parse(this.world.observatory.asView(parseAsn(String(asn))));
  }

  /** An address (as `ipReport`). */
  ip(text: string): IpResult {
    const address = parseAddress(text);
    return IpResult.parse(this.world.observatory.addressView(address, formatAddress(address)));
  }

  /** A prefix (`175.45.176.0/24`): origins, paths per peer and the chain to the border. */
  prefix(text: string): PrefixResult {
    const prefix = parsePrefix(text);
    const query = prefix.toString();
    const { address: _address, ...view } = this.world.observatory.addressView(prefix.network, query);
    return PrefixResult.parse({ ...view, query, exact: view.prefix === query });
  }
}
