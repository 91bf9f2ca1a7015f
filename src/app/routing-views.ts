/**
 * The routing answers a long-running face gives, kept in the store so a restart answers from it
 * within seconds instead of waiting for the MRT files to load. A routing world is named by the
 * content of its inputs (`routingWorldKey`); the first start that loads it from the files keeps
 * its country ranking, every ranked country's view, its coverage and data time
 * (`RoutingViewStore.keep`), and each AS, address, prefix and what-if answer it computes
 * (`remember`). `RoutingAnswers` answers from the loaded world when it is there, else from the
 * kept views, else waits for the world: the same result schemas either way.
 *
 * @example
 * const views = await RoutingViewStore.open(store);          // the bundled world's key
 * const answers = new RoutingAnswers(Workspace.load(), views);
 * (await answers.country('KP')).data.upstreams[0].asn;        // 4837, from the store if kept
 */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { formatAddress, parseAddress, parseAsn, parsePrefix } from '../net/index.js';
import { parseCountryCode } from '../observatory/index.js';
import type { CairnStore, RoutingViewRecord } from '../store/index.js';
import { workspaceWhatIf, type WorkspaceWhatIfInput } from './api-whatif.js';
import { AsResult, CountriesResult, CountryResult, IpResult } from './country.js';
import { DEFAULT_ASNAMES_FILE, DEFAULT_REGISTRY_FILES, DEMO_MRT_FILE } from './defaults.js';
import { knownFileHash } from './file-hashes.js';
import { WhatIfResult } from './whatif.js';
import {
  PrefixResult,
  type DataTime,
  type Workspace,
  type WorkspaceCoverage,
  type WorkspaceSources,
} from './workspace.js';

/** Bumped when a kept view's shape or meaning changes, so older views are not read. */
export const ROUTING_VIEWS_FORMAT = 1;

/** Answers remembered per process at most: a scan over many addresses must not grow the store without end. */
const MAX_REMEMBERED = 10_000;
/** Remembered answers written together. */
const REMEMBER_BATCH = 64;
/** Answers held in memory by `RoutingAnswers` (the world does not change, so none goes stale). */
const MAX_HELD = 2_000;

/**
 * The name of a routing world: a digest of the view format and of each input file's content, in
 * the order the world reads them, so the same files anywhere give the same key.
 */
export async function routingWorldKey(input: WorkspaceSources = {}): Promise<string> {
  const digest = createHash('sha256').update(`cairn.routing-views/${ROUTING_VIEWS_FORMAT}\n`);
  const roles: Array<[string, readonly string[]]> = [
    ['mrt', input.mrt ?? [DEMO_MRT_FILE]],
    ['registry', input.registry ?? DEFAULT_REGISTRY_FILES],
    ['asnames', [input.asnames ?? DEFAULT_ASNAMES_FILE]],
  ];
  for (const [role, files] of roles)
    for (const file of files) digest.update(`${role} ${await knownFileHash(file)}\n`);
  return digest.digest('hex');
}

/** What every answer of a world shares, kept once per world (kind `world`). */
interface WorldMeta {
  coverage: WorkspaceCoverage;
  dataTime: DataTime | null;
}

/** An answer and what it rests on (for the face's meta). */
export interface RoutingAnswer<T> {
  data: T;
  coverage: WorkspaceCoverage;
  dataTime: DataTime | null;
  /** Where it came from: the loaded world or the views kept in the store. */
  from: 'world' | 'store';
}

/** The kept views of one routing world in one store. */
export class RoutingViewStore {
  private pending: RoutingViewRecord[] = [];
  private readonly remembered = new Set<string>();
  private flushing: Promise<void> = Promise.resolve();
  private keeping: Promise<void> = Promise.resolve();

  private constructor(
    private readonly store: CairnStore,
    /** The world's key (`routingWorldKey`). */
    readonly world: string,
    private meta: WorldMeta | undefined,
  ) {}

  /**
   * The views of the world these sources make (default the bundled one), as the store keeps them;
   * `kept` is false when it keeps none (a first start, or a store without routing views).
   */
  static async open(store: CairnStore, sources: WorkspaceSources = {}): Promise<RoutingViewStore> {
    const world = await routingWorldKey(sources);
    let meta: WorldMeta | undefined;
    if (store.routingView !== undefined) {
      const record = await store.routingView(world, 'world', '');
      if (record !== undefined) meta = JSON.parse(record.json) as WorldMeta;
    }
    return new RoutingViewStore(store, world, meta);
  }

  /** Whether the store keeps this world's views (its ranking and country views). */
  get kept(): boolean {
    return this.meta !== undefined;
  }

  /** Whether the store can keep views at all. */
  get canKeep(): boolean {
    return this.store.saveRoutingViews !== undefined && this.store.routingView !== undefined;
  }

  get coverage(): WorkspaceCoverage | undefined {
    return this.meta?.coverage;
  }

  get dataTime(): DataTime | null | undefined {
    return this.meta?.dataTime;
  }

  /** A kept view, checked against its schema; undefined when the store has none. */
  async read<S extends z.ZodType>(kind: string, key: string, schema: S): Promise<z.infer<S> | undefined> {
    if (this.meta === undefined || this.store.routingView === undefined) return undefined;
    const record = await this.store.routingView(this.world, kind, key);
    // Read once: no need to remember it again.
    if (record !== undefined) this.remembered.add(`${kind}\u0000${key}`);
    return record === undefined ? undefined : (schema.parse(JSON.parse(record.json)) as z.infer<S>);
  }

  /**
   * Keeps what a restart answers at once: the ranking, every ranked country's view, the coverage
   * and data time (written last, so a start cut short keeps nothing half done). Yields between
   * countries so a server answering meanwhile is not held up.
   */
  keep(workspace: Workspace): Promise<void> {
    const keeping = this.write(workspace);
    this.keeping = keeping.catch(() => undefined);
    return keeping;
  }

  /** Resolves once the views being kept and the answers remembered are written (a face stopping waits for it). */
  async settled(): Promise<void> {
    await this.keeping;
    await this.flush();
  }

  private async write(workspace: Workspace): Promise<void> {
    if (!this.canKeep) return;
    const views: RoutingViewRecord[] = [];
    const ranking = workspace.countries();
    views.push({ world: this.world, kind: 'countries', key: '', json: JSON.stringify(ranking) });
    for (const row of ranking.countries) {
      await new Promise((resolve) => setImmediate(resolve));
      views.push({
        world: this.world,
        kind: 'country',
        key: row.country,
        json: JSON.stringify(workspace.country(row.country)),
      });
    }
    const meta: WorldMeta = { coverage: workspace.coverage, dataTime: workspace.dataTime };
    await this.store.saveRoutingViews?.(views);
    await this.store.saveRoutingViews?.([
      { world: this.world, kind: 'world', key: '', json: JSON.stringify(meta) },
    ]);
    this.meta = meta;
  }

  /** Keeps one answer computed from the world, written behind in batches (at most MAX_REMEMBERED a run). */
  remember(kind: string, key: string, value: unknown): void {
    const id = `${kind}\u0000${key}`;
    if (!this.canKeep || this.meta === undefined || this.remembered.size >= MAX_REMEMBERED) return;
    if (this.remembered.has(id)) return;
    this.remembered.add(id);
    this.pending.push({ world: this.world, kind, key, json: JSON.stringify(value) });
    if (this.pending.length === 1) setImmediate(() => void this.flush());
    else if (this.pending.length >= REMEMBER_BATCH) void this.flush();
  }

  /** Writes the remembered answers not yet written; resolves once they are. */
  flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    if (batch.length > 0)
      // A view not kept is only a slower restart: a failed write is not the request's failure.
      this.flushing = this.flushing.then(() => this.store.saveRoutingViews?.(batch)).catch(() => undefined);
    return this.flushing;
  }
}

/**
 * The routing questions of a face that stays up: from the loaded world when it is there, else from
 * the views the store keeps, else once the world has loaded (and then remembered in the store).
 * Bad input is refused before any wait, with the errors the world's questions give.
 */
export class RoutingAnswers {
  private world: Workspace | undefined;
  /** Answers given, by kind and key: the world and the views never change once loaded. */
  private readonly held = new Map<string, RoutingAnswer<unknown>>();
  private views: RoutingViewStore | undefined;
  private readonly worldLoading: Promise<Workspace>;
  private readonly viewsOpening: Promise<RoutingViewStore | undefined>;

  constructor(
    workspace: Workspace | Promise<Workspace>,
    views?: RoutingViewStore | Promise<RoutingViewStore | undefined>,
  ) {
    this.worldLoading = Promise.resolve(workspace).then((loaded) => (this.world = loaded));
    // Without views (or when they fail to open) every answer waits for the world.
    this.viewsOpening = Promise.resolve(views)
      .then((opened) => (this.views = opened))
      .catch(() => undefined);
    this.worldLoading.catch(() => undefined);
  }

  /** Every country ranked by its largest dependency. */
  async countries(): Promise<RoutingAnswer<CountriesResult>> {
    return this.answer('countries', '', CountriesResult, (w) => w.countries(), false);
  }

  async country(code: string): Promise<RoutingAnswer<CountryResult>> {
    const cc = parseCountryCode(code);
    return this.answer('country', cc, CountryResult, (w) => w.country(cc), false);
  }

  async asn(asn: string | number): Promise<RoutingAnswer<AsResult>> {
    const number = parseAsn(String(asn));
    return this.answer('asn', String(number), AsResult, (w) => w.asn(number), true);
  }

  async ip(text: string): Promise<RoutingAnswer<IpResult>> {
    const key = formatAddress(parseAddress(text));
    return this.answer('ip', key, IpResult, (w) => w.ip(text), true);
  }

  async prefix(text: string): Promise<RoutingAnswer<PrefixResult>> {
    const key = parsePrefix(text).toString();
    return this.answer('prefix', key, PrefixResult, (w) => w.prefix(text), true);
  }

  async whatIf(input: WorkspaceWhatIfInput): Promise<RoutingAnswer<WhatIfResult>> {
    const remove = [...new Set(input.remove.map((asn) => parseAsn(String(asn))))];
    const countries = [...new Set(input.countries.map(parseCountryCode))];
    const key = JSON.stringify({ remove, countries });
    return this.answer('whatif', key, WhatIfResult, (w) => workspaceWhatIf(w, input), true);
  }

  private async answer<S extends z.ZodType>(
    kind: string,
    key: string,
    schema: S,
    live: (workspace: Workspace) => z.infer<S>,
    remember: boolean,
  ): Promise<RoutingAnswer<z.infer<S>>> {
    const id = `${kind}\u0000${key}`;
    const held = this.held.get(id) as RoutingAnswer<z.infer<S>> | undefined;
    if (held !== undefined) {
      // Most recently used last, so the oldest is the one let go.
      this.held.delete(id);
      this.held.set(id, held);
      return held;
    }
    const find = async (): Promise<RoutingAnswer<z.infer<S>>> => {
      // The world in memory answers first, except what the views hold whole (ranking, countries).
      if (this.world !== undefined && (remember || this.views?.kept !== true))
        return this.live(this.world, kind, key, live, remember);
      await this.viewsOpening;
      const views = this.views;
      if (views?.kept === true && views.coverage !== undefined && views.dataTime !== undefined) {
        const stored = await views.read(kind, key, schema);
        if (stored !== undefined)
          return { data: stored, coverage: views.coverage, dataTime: views.dataTime, from: 'store' };
      }
      return this.live(await this.worldLoading, kind, key, live, remember);
    };
    const answer = await find();
    if (this.held.size >= MAX_HELD) this.held.delete(this.held.keys().next().value as string);
    this.held.set(id, answer);
    return answer;
  }

  private live<T>(
    workspace: Workspace,
    kind: string,
    key: string,
    live: (workspace: Workspace) => T,
    remember: boolean,
  ): RoutingAnswer<T> {
    const data = live(workspace);
    if (remember) this.views?.remember(kind, key, data);
    return { data, coverage: workspace.coverage, dataTime: workspace.dataTime, from: 'world' };
  }
}
