/**
 * Cases: the list of the corpus's cases; a case's evidence graph (indicators, infrastructure on
 * the routing map, techniques, actors) with kind filters, a weight floor and more indicators on
 * demand; the ranked actors, each expanding into its evidence items with weights and sources;
 * import (STIX bundle, MISP event, CSV: a write, with the token) and STIX export.
 */
import { useMemo, useRef, useState } from 'preact/hooks';
import { apiGet, apiWrite, useApi } from '../api';
import { Graph, type GraphEdge, type GraphNode } from '../components/Graph';
import { AsLink, CountryLink, PrefixLink } from '../components/Links';
import { Downloads, Meta, NOT_DRAWN, Status, useDrawn } from '../components/Status';
import { Table } from '../components/Table';
import { downloadCsv, downloadJson, downloadPicture, fileName } from '../download';
import { fixed } from '../format';
import { href, setQuery, type Route } from '../router';
import type { IntelAttributeResult, IntelEvidenceItem, IntelImportResult, IntelShowResult } from '../types';

type IntelCase = IntelShowResult['case'];
type Candidate = IntelAttributeResult['candidates'][number];

export const NODE_KINDS = ['indicator', 'infrastructure', 'technique', 'actor'] as const;

export interface EvidenceGraphOptions {
  kinds: Set<string>;
  minWeight: number;
  indicatorLimit: number;
}

/** The evidence graph of a case: its indicators, where they sit on the routing map, its techniques, and the actors its evidence points to. */
export function evidenceGraph(
  show: IntelShowResult,
  attribution: IntelAttributeResult | undefined,
  options: EvidenceGraphOptions,
): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const nodes = new Map<string, GraphNode>();
  const edges = new Map<string, GraphEdge>();
  const root = `case:${show.case.id}`;
  nodes.set(root, { id: root, label: show.case.name, kind: 'case' });
  const add = (node: GraphNode) => nodes.has(node.id) || nodes.set(node.id, node);
  const link = (source: string, target: string, weight: number, label?: string) => {
    const id = `${source}>${target}`;
    const old = edges.get(id);
    if (old === undefined || old.weight < weight) edges.set(id, { id, source, target, weight, label });
  };
  const valueToNode = new Map<string, string>();
  if (options.kinds.has('indicator')) {
    for (const indicator of show.indicators.slice(0, options.indicatorLimit)) {
      const id = `ind:${indicator.id}`;
      add({ id, label: `${indicator.type}: ${indicator.value}`, kind: 'indicator' });
      valueToNode.set(indicator.value, id);
      link(root, id, indicator.confidence / 100);
      const enrichment = indicator.enrichment;
      if (enrichment !== undefined && options.kinds.has('infrastructure')) {
        if (enrichment.prefix) {
          const prefix = `pfx:${enrichment.prefix}`;
          add({ id: prefix, label: enrichment.prefix, kind: 'infrastructure' });
          link(id, prefix, 1);
          enrichment.originAsns.forEach((asn, i) => {
            const as = `as:${asn}`;
            add({
              id: as,
              label: `AS${asn} ${enrichment.originNames[i] ?? ''}`.trim(),
              kind: 'infrastructure',
            });
            link(prefix, as, 1);
            if (enrichment.country) {
              const cc = `cc:${enrichment.country}`;
              add({ id: cc, label: enrichment.country, kind: 'country' });
              link(as, cc, 1);
            }
          });
        }
      }
    }
  }
  if (options.kinds.has('technique'))
    for (const technique of show.case.techniqueIds) {
      const id = `tech:${technique}`;
      add({ id, label: technique, kind: 'technique' });
      valueToNode.set(technique, id);
      link(root, id, 1);
    }
  if (options.kinds.has('actor') && attribution !== undefined)
    attribution.candidates.forEach((candidate, rank) => {
      const actor = `actor:${candidate.id}`;
      add({
        id: actor,
        label: `${rank + 1}. ${candidate.actor}`,
        kind: 'actor',
        marked: rank === 0 && attribution.verdict === 'attributed',
      });
      for (const item of candidate.evidence) {
        if (item.weight < options.minWeight) continue;
        const target = valueToNode.get(item.value);
        if (target !== undefined)
          link(target, actor, item.weight, `${item.feature} ${fixed(item.weight, 2)}`);
        else if (item.feature === 'technique' && options.kinds.has('technique')) {
          const id = `tech:${item.value}`;
          add({ id, label: item.value, kind: 'technique' });
          link(id, actor, item.weight, fixed(item.weight, 2));
        }
      }
      if (![...edges.values()].some((e) => e.target === actor))
        link(root, actor, candidate.confidence, `confidence ${fixed(candidate.confidence, 2)}`);
    });
  return { nodes: [...nodes.values()], edges: [...edges.values()] };
}

function sourcesText(item: IntelEvidenceItem): string {
  const place = (p: { file: string; objectId?: string; line?: number; path?: string }) =>
    [p.file, p.objectId, p.line !== undefined ? `line ${p.line}` : undefined, p.path]
      .filter(Boolean)
      .join(' ');
  return [...item.query.map(place), ...item.candidate.map(place)].join('; ');
}

function EvidenceList({ items }: { items: IntelEvidenceItem[] }) {
  return (
    <table class="evidence">
      <caption>Evidence items</caption>
      <thead>
        <tr>
          <th scope="col">Feature</th>
          <th scope="col">Value</th>
          <th scope="col" class="num">
            Weight
          </th>
          <th scope="col" class="num">
            Contribution
          </th>
          <th scope="col">Why</th>
          <th scope="col">Sources</th>
        </tr>
      </thead>
      <tbody>
        {items.map((item, i) => (
          <tr key={i}>
            <td>{item.feature}</td>
            <td class="value">
              {item.value}
              {item.candidateValue && item.candidateValue !== item.value ? ` ~ ${item.candidateValue}` : ''}
            </td>
            <td class="num">{fixed(item.weight)}</td>
            <td class="num">{fixed(item.contribution)}</td>
            <td>
              {item.note}
              {item.via.length > 0 ? ` (via ${item.via.join(', ')})` : ''}
            </td>
            <td>{sourcesText(item)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function RankedActors({
  attribution,
  open,
  onToggle,
}: {
  attribution: IntelAttributeResult;
  open: string[];
  onToggle: (id: string) => void;
}) {
  return (
    <div>
      <p>
        Verdict: <strong>{attribution.verdict}</strong>. {attribution.reason}
      </p>
      <ol data-testid="ranked-actors">
        {attribution.candidates.map((candidate: Candidate) => {
          const expanded = open.includes(candidate.id);
          return (
            <li key={candidate.id}>
              <strong>{candidate.actor}</strong>
              {candidate.aliases.length > 0 ? ` (${candidate.aliases.slice(0, 4).join(', ')})` : ''}: score{' '}
              {fixed(candidate.score)}, confidence {fixed(candidate.confidence, 2)},{' '}
              {candidate.evidence.length} evidence items{' '}
              <button type="button" aria-expanded={expanded} onClick={() => onToggle(candidate.id)}>
                {expanded ? 'Hide' : 'Show'} evidence for {candidate.actor}
              </button>
              {expanded && <EvidenceList items={candidate.evidence} />}
            </li>
          );
        })}
      </ol>
    </div>
  );
}

function ImportForm({ onDone }: { onDone: (result: IntelImportResult) => void }) {
  const [format, setFormat] = useState('stix');
  const [message, setMessage] = useState('');
  const file = useRef<HTMLInputElement>(null);
  return (
    <form
      class="filters"
      onSubmit={async (event) => {
        event.preventDefault();
        const chosen = file.current?.files?.[0];
        if (chosen === undefined) return setMessage('Choose a file first.');
        try {
          const text = await chosen.text();
          const answer = await apiWrite<IntelImportResult>('POST', '/intel/import', text, {
            contentType: format === 'indicator-list' ? 'text/plain' : 'application/json',
            query: { format, name: chosen.name },
          });
          const added = answer.data.files
            .flatMap((f) => Object.entries(f.added ?? {}))
            .filter(([, n]) => n > 0)
            .map(([kind, n]) => `${n} ${kind}`);
          const problems = answer.data.files.reduce((n, f) => n + f.issueCount, 0);
          setMessage(
            `Imported ${chosen.name}: ${added.join(', ') || 'nothing new'}${problems > 0 ? `; ${problems} problems` : ''}.`,
          );
          onDone(answer.data);
        } catch (error) {
          setMessage(`Import failed: ${(error as Error).message}`);
        }
      }}
    >
      <label for="import-file">File to import</label>
      <input id="import-file" type="file" ref={file} accept=".json,.csv,.txt" />
      <label for="import-format">Format</label>
      <select id="import-format" value={format} onChange={(e) => setFormat(e.currentTarget.value)}>
        <option value="stix">STIX 2.1 bundle</option>
        <option value="misp-event">MISP event</option>
        <option value="indicator-list">CSV indicator list</option>
      </select>
      <button type="submit">Import</button>
      <span role="status">{message}</span>
    </form>
  );
}

export function CasesPage({ route }: { route: Route }) {
  const [reload, setReload] = useState(0);
  const q = route.query.get('q') ?? '';
  const loaded = useApi<{ cases: IntelCase[] }>(
    '/intel/cases',
    { q: q === '' ? undefined : q, limit: 1000 },
    reload,
  );
  return (
    <section>
      <h1>Cases</h1>
      <h2>Import evidence</h2>
      <p class="muted">A write: it needs the token (entered once at the top, kept for this tab only).</p>
      <ImportForm onDone={() => setReload((n) => n + 1)} />
      <h2>Cases in the corpus</h2>
      <Status loaded={loaded} what="the cases">
        {({ cases }, ready) => (
          <>
            <Meta meta={ready.value.meta} />
            <Downloads
              of="the cases"
              actions={[
                {
                  label: 'Cases CSV',
                  run: () =>
                    downloadCsv(
                      fileName(['cases', q && `q-${q}`], 'csv'),
                      ['id', 'name', 'kind', 'date', 'actors', 'techniques'],
                      cases.map((c) => [
                        c.id,
                        c.name,
                        c.caseKind,
                        c.date ?? c.firstSeen,
                        c.actorLabels.join(' '),
                        c.techniqueIds.length,
                      ]),
                    ),
                },
                {
                  label: 'Cases JSON',
                  run: () => downloadJson(fileName(['cases', q && `q-${q}`], 'json'), cases),
                },
              ]}
            />
            <Table
              caption="Cases"
              columns={[
                {
                  key: 'name',
                  label: 'Case',
                  value: (c) => c.name,
                  render: (c) => <a href={href('cases', c.id)}>{c.name}</a>,
                },
                { key: 'kind', label: 'Kind', value: (c) => c.caseKind },
                { key: 'date', label: 'Date', value: (c) => c.date ?? c.firstSeen ?? '' },
                { key: 'actors', label: 'Actor labels', value: (c) => c.actorLabels.join(', ') },
                {
                  key: 'techniques',
                  label: 'Techniques',
                  numeric: true,
                  value: (c) => c.techniqueIds.length,
                },
              ]}
              rows={cases}
              rowKey={(c) => c.id}
              searchable
              state={{
                search: q,
                sort: route.query.get('sort') ?? undefined,
                dir: route.query.get('dir') ?? undefined,
              }}
              onState={(s) => setQuery({ q: s.search, sort: s.sort, dir: s.dir })}
            />
          </>
        )}
      </Status>
    </section>
  );
}

export function CaseView({ id, route, compact = false }: { id: string; route: Route; compact?: boolean }) {
  const show = useApi<IntelShowResult>(`/intel/cases/${encodeURIComponent(id)}`);
  const attribution = useApi<IntelAttributeResult>(`/intel/cases/${encodeURIComponent(id)}/attribution`);
  const kinds = useMemo(
    () => new Set((route.query.get('show') ?? NODE_KINDS.join(',')).split(',')),
    [route.query.get('show')],
  );
  const minWeight = Number(route.query.get('minw') ?? '0');
  const indicatorLimit = Number(route.query.get('ni') ?? '40');
  const open = (route.query.get('actor') ?? '').split(',').filter((s) => s !== '');
  const png = useDrawn<() => Promise<Blob>>();
  const toggleActor = (actor: string) =>
    setQuery({
      actor: (open.includes(actor) ? open.filter((a) => a !== actor) : [...open, actor]).join(','),
    });
  return (
    <Status loaded={show} what={`case ${id}`}>
      {(data, ready) => {
        const attributionData = attribution.state === 'ready' ? attribution.value.data : undefined;
        const graph = evidenceGraph(data, attributionData, { kinds, minWeight, indicatorLimit });
        // The graph's filters are its state: they name its files.
        const graphFile = [
          'case',
          id,
          'evidence-graph',
          NODE_KINDS.filter((k) => kinds.has(k)).join('_') || 'none',
          `minw${minWeight}`,
          `ni${indicatorLimit}`,
        ];
        return (
          <>
            <h2>{data.case.name}</h2>
            {!compact && <Meta meta={ready.value.meta} />}
            <p>
              {data.case.caseKind}
              {data.case.date ? `, ${data.case.date}` : ''}; {data.indicators.length} indicators,{' '}
              {data.case.techniqueIds.length} techniques
              {data.case.actorLabels.length > 0 ? `; labelled ${data.case.actorLabels.join(', ')}` : ''}.
            </p>
            {data.case.description && !compact && <p class="muted">{data.case.description}</p>}
            <h3>Ranked actors</h3>
            <Status loaded={attribution} what="the attribution">
              {(result) => <RankedActors attribution={result} open={open} onToggle={toggleActor} />}
            </Status>
            <h3>Evidence graph</h3>
            <fieldset class="filters">
              <legend>Show</legend>
              {NODE_KINDS.map((kind) => (
                <label key={kind}>
                  <input
                    type="checkbox"
                    checked={kinds.has(kind)}
                    onChange={(e) => {
                      const next = new Set(kinds);
                      if (e.currentTarget.checked) next.add(kind);
                      else next.delete(kind);
                      setQuery({ show: [...next].join(',') || 'none' });
                    }}
                  />{' '}
                  {kind}
                </label>
              ))}
              <label for="minw">
                Evidence weight at least <output>{minWeight.toFixed(2)}</output>
              </label>
              <input
                id="minw"
                type="range"
                min="0"
                max="1"
                step="0.05"
                value={minWeight}
                onInput={(e) => setQuery({ minw: e.currentTarget.value })}
              />
              {data.indicators.length > indicatorLimit && (
                <button type="button" onClick={() => setQuery({ ni: String(indicatorLimit * 2) })}>
                  Show more indicators ({indicatorLimit} of {data.indicators.length})
                </button>
              )}
            </fieldset>
            <Graph
              label={`Evidence graph of ${data.case.name}`}
              nodes={graph.nodes}
              edges={graph.edges}
              onPng={png.set}
              height={compact ? 360 : 480}
            />
            <Downloads
              of={`case ${data.case.name}`}
              actions={[
                {
                  label: 'Graph PNG',
                  run: () => {
                    const make = png.get();
                    if (make !== undefined) downloadPicture(fileName(graphFile, 'png'), make());
                  },
                  unavailable: png.drawn ? undefined : NOT_DRAWN,
                },
                {
                  label: 'Graph CSV',
                  run: () => {
                    const byId = new Map(graph.nodes.map((n) => [n.id, n]));
                    downloadCsv(
                      fileName(graphFile, 'csv'),
                      ['source', 'source_kind', 'target', 'target_kind', 'weight', 'label'],
                      graph.edges.map((e) => [
                        byId.get(e.source)?.label,
                        byId.get(e.source)?.kind,
                        byId.get(e.target)?.label,
                        byId.get(e.target)?.kind,
                        e.weight,
                        e.label,
                      ]),
                    );
                  },
                },
                {
                  label: 'Case JSON',
                  run: () =>
                    downloadJson(fileName(['case', id], 'json'), { ...data, attribution: attributionData }),
                },
                {
                  label: 'Ranked actors CSV',
                  run: () =>
                    downloadCsv(
                      fileName(['case', id, 'actors'], 'csv'),
                      ['rank', 'actor', 'id', 'score', 'confidence', 'evidence_items', 'verdict'],
                      (attributionData?.candidates ?? []).map((c, i) => [
                        i + 1,
                        c.actor,
                        c.id,
                        c.score,
                        c.confidence,
                        c.evidence.length,
                        i === 0 ? attributionData?.verdict : undefined,
                      ]),
                    ),
                },
                {
                  label: 'Indicators CSV',
                  run: () =>
                    downloadCsv(
                      fileName(['case', id, 'indicators'], 'csv'),
                      ['type', 'value', 'confidence', 'prefix', 'origin_asns', 'country'],
                      data.indicators.map((i) => [
                        i.type,
                        i.value,
                        i.confidence,
                        i.enrichment?.prefix,
                        i.enrichment?.originAsns.join(' '),
                        i.enrichment?.country,
                      ]),
                    ),
                },
                {
                  label: 'Export STIX',
                  run: () => {
                    void apiGet<unknown>(`/intel/cases/${encodeURIComponent(id)}/stix`).then((answer) =>
                      downloadJson(fileName(['case', id], 'stix.json'), answer.data),
                    );
                  },
                },
              ]}
            />
            {!compact && (
              <Table
                caption={`Indicators (${data.indicators.length})`}
                columns={[
                  { key: 'type', label: 'Type', value: (i) => i.type },
                  {
                    key: 'value',
                    label: 'Value',
                    value: (i) => i.value,
                    render: (i) => <span class="value">{i.value}</span>,
                  },
                  { key: 'confidence', label: 'Confidence', numeric: true, value: (i) => i.confidence },
                  {
                    key: 'prefix',
                    label: 'Prefix',
                    value: (i) => i.enrichment?.prefix,
                    render: (i) => (i.enrichment?.prefix ? <PrefixLink prefix={i.enrichment.prefix} /> : ''),
                  },
                  {
                    key: 'origin',
                    label: 'Origin',
                    value: (i) => i.enrichment?.originAsns.join(' '),
                    render: (i) => i.enrichment?.originAsns.map((a) => <AsLink key={a} asn={a} />),
                  },
                  {
                    key: 'country',
                    label: 'Country',
                    value: (i) => i.enrichment?.country,
                    render: (i) => (i.enrichment?.country ? <CountryLink code={i.enrichment.country} /> : ''),
                  },
                ]}
                rows={data.indicators}
                rowKey={(i) => i.id}
                searchable
                limit={200}
              />
            )}
          </>
        );
      }}
    </Status>
  );
}

export function CasePage({ id, route }: { id: string; route: Route }) {
  return (
    <section>
      <h1>Case</h1>
      <p>
        <a href={href('cases')}>All cases</a>
      </p>
      <CaseView id={id} route={route} />
    </section>
  );
}
