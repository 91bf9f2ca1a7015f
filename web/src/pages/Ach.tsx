/**
 * Analysis of competing hypotheses: the matrix (evidence x hypotheses, one rating per cell), the
 * ranking by weighted inconsistency, each item's diagnosticity, and the sensitivity of the top.
 * Changing a rating is a write (token): the server answers the new analysis and every table
 * updates from it. The as-of slider shows the analysis with only the evidence known by a date.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { apiWrite, useApi } from '../api';
import { Downloads, Meta, Status } from '../components/Status';
import { downloadCsv, downloadJson, fileName } from '../download';
import { fixed } from '../format';
import { href, setQuery, type Route } from '../router';
import type { AchCaseSummary, AchResult, AchView as AchAnswer } from '../types';

export const RATINGS = ['CC', 'C', 'N', 'I', 'II'] as const;
const RATING_NAMES: Record<string, string> = {
  CC: 'very consistent',
  C: 'consistent',
  N: 'neutral',
  I: 'inconsistent',
  II: 'very inconsistent',
};

/** The dates the slider steps through: every dated source of the case, in order. */
export function asOfDates(result: AchResult): string[] {
  const dates = new Set<string>();
  for (const item of result.evidence)
    for (const source of item.sources)
      if (source.date && /^\d{4}-\d{2}-\d{2}/.test(source.date)) dates.add(source.date.slice(0, 10));
  return [...dates].sort();
}

function Matrix({
  result,
  onRate,
  busy,
}: {
  result: AchResult;
  onRate: (evidence: string, hypothesis: string, rating: string) => void;
  busy: boolean;
}) {
  return (
    <table class="ach">
      <caption>Matrix: how consistent each item is with each hypothesis</caption>
      <thead>
        <tr>
          <th scope="col">Evidence</th>
          <th scope="col" class="num">
            Weight
          </th>
          {result.hypotheses.map((h) => (
            <th key={h.id} scope="col" title={h.title}>
              {h.id}
            </th>
          ))}
          <th scope="col" class="num">
            Diagnosticity
          </th>
        </tr>
      </thead>
      <tbody>
        {result.evidence.map((item) => (
          <tr key={item.id}>
            <th scope="row">
              {item.id}: {item.title}
            </th>
            <td class="num">{fixed(item.weight, 2)}</td>
            {result.hypotheses.map((h, column) => {
              const id = `rate-${item.id}-${h.id}`;
              return (
                <td key={h.id} class="rating">
                  <label for={id} class="sr-only">
                    Rating of {item.id} against {h.id}
                  </label>
                  <select
                    id={id}
                    value={item.ratings[column]}
                    disabled={busy}
                    onChange={(e) => onRate(item.id, h.id, e.currentTarget.value)}
                  >
                    {RATINGS.map((r) => (
                      <option key={r} value={r} title={RATING_NAMES[r]}>
                        {r}
                      </option>
                    ))}
                  </select>
                </td>
              );
            })}
            <td class="num" data-testid={`diagnosticity-${item.id}`}>
              {fixed(item.diagnosticity, 2)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Ranking({ result }: { result: AchResult }) {
  const byId = new Map(result.hypotheses.map((h) => [h.id, h]));
  return (
    <table data-testid="ach-ranking">
      <caption>Ranking (least inconsistent first)</caption>
      <thead>
        <tr>
          <th scope="col" class="num">
            Rank
          </th>
          <th scope="col">Hypothesis</th>
          <th scope="col" class="num">
            Inconsistency
          </th>
          <th scope="col" class="num">
            Consistency
          </th>
        </tr>
      </thead>
      <tbody>
        {result.ranking.map((id) => {
          const h = byId.get(id);
          if (h === undefined) return null;
          return (
            <tr key={id} class={result.top.includes(id) ? 'top' : undefined}>
              <td class="num">{h.rank}</td>
              <td>
                {h.id}: {h.title}
              </td>
              <td class="num">{fixed(h.inconsistency, 2)}</td>
              <td class="num">{fixed(h.consistency, 2)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function Sensitivity({ result }: { result: AchResult }) {
  const s = result.sensitivity;
  const changing = s.items.filter((i) => i.removal.changesTop || i.reratings.some((r) => r.changesTop));
  return (
    <div data-testid="ach-sensitivity">
      <p>
        Margin of the top over the next: {fixed(s.margin, 2)}. The top hinges on the ratings of:{' '}
        {s.topHingesOn.length === 0 ? 'no single item' : s.topHingesOn.join(', ')}; on the removal of:{' '}
        {s.topHingesOnRemoval.length === 0 ? 'no single item' : s.topHingesOnRemoval.join(', ')}.
      </p>
      {changing.length > 0 && (
        <ul>
          {changing.map((item) => (
            <li key={item.evidence}>
              {item.evidence}:{' '}
              {item.removal.changesTop ? `removing it makes ${item.removal.top.join(', ')} the top; ` : ''}
              {item.reratings
                .filter((r) => r.changesTop)
                .map((r) => `${r.hypothesis} ${r.from}→${r.to} makes ${r.top.join(', ')} the top`)
                .join('; ')}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function AchView({ id, route, compact = false }: { id: string; route: Route; compact?: boolean }) {
  const asOf = route.query.get('asOf') ?? undefined;
  const loaded = useApi<AchAnswer>(`/ach/cases/${encodeURIComponent(id)}`, { asOf });
  const full = useApi<AchAnswer>(asOf === undefined ? undefined : `/ach/cases/${encodeURIComponent(id)}`);
  const [edited, setEdited] = useState<AchAnswer | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState('');
  useEffect(() => setEdited(undefined), [asOf]);
  const base =
    full.state === 'ready' ? full.value.data : loaded.state === 'ready' ? loaded.value.data : undefined;
  const dates = useMemo(() => (base ? asOfDates(base) : []), [base]);
  const rate = async (evidence: string, hypothesis: string, rating: string) => {
    setBusy(true);
    setMessage('');
    try {
      const answer = await apiWrite<AchAnswer>(
        'PUT',
        `/ach/cases/${encodeURIComponent(id)}/ratings/${encodeURIComponent(evidence)}/${encodeURIComponent(hypothesis)}`,
        { rating },
        { query: { asOf } },
      );
      setEdited(answer.data);
      setMessage(
        `Rating of ${evidence} against ${hypothesis} is now ${rating}; top: ${answer.data.top.join(', ')}.`,
      );
    } catch (error) {
      setMessage(`Could not change the rating: ${(error as Error).message}`);
    } finally {
      setBusy(false);
    }
  };
  const index =
    asOf === undefined
      ? dates.length
      : Math.max(
          0,
          dates.findIndex((d) => d >= asOf.slice(0, 10)),
        );
  return (
    <Status loaded={loaded} what={`ACH case ${id}`}>
      {(fetched, ready) => {
        const result = edited ?? fetched;
        const byId = new Map(result.hypotheses.map((h) => [h.id, h]));
        // The first page's compact view saves under its own names: `cairn-home-ach-…`.
        const file = [compact && 'home', 'ach', id, asOf && `asof-${asOf.slice(0, 10)}`];
        const rankingCsv = {
          label: 'Ranking CSV',
          run: () =>
            downloadCsv(
              fileName([...file, 'ranking'], 'csv'),
              ['rank', 'hypothesis', 'title', 'inconsistency', 'consistency', 'top'],
              result.ranking.flatMap((hid) => {
                const h = byId.get(hid);
                return h === undefined
                  ? []
                  : [[h.rank, h.id, h.title, h.inconsistency, h.consistency, result.top.includes(hid)]];
              }),
            ),
        };
        const analysisJson = {
          label: 'Analysis JSON',
          run: () => downloadJson(fileName(file, 'json'), result),
        };
        return (
          <div>
            <h2>{result.title}</h2>
            {result.question && !compact && <p>{result.question}</p>}
            {!compact && <Meta meta={ready.value.meta} />}
            <p data-testid="ach-top">
              Most likely (least inconsistent):{' '}
              <strong>{result.top.map((t) => `${t}: ${byId.get(t)?.title ?? ''}`).join('; ')}</strong>
            </p>
            {!compact && dates.length > 0 && (
              <div class="filters">
                <label for="asof">
                  As of <output>{asOf ?? 'all evidence'}</output>
                </label>
                <input
                  id="asof"
                  type="range"
                  min="0"
                  max={dates.length}
                  step="1"
                  value={index}
                  onInput={(e) => {
                    const i = Number(e.currentTarget.value);
                    setQuery({ asOf: i >= dates.length ? undefined : dates[i] });
                  }}
                />
              </div>
            )}
            {result.asOf !== undefined && (
              <p data-testid="ach-asof">
                As of {result.asOf}:{' '}
                {result.hiddenEvidence.length === 0
                  ? 'every item was known.'
                  : `${result.hiddenEvidence.length} items not known yet are left out (${result.hiddenEvidence.join(', ')}).`}
              </p>
            )}
            <Ranking result={result} />
            {compact && <Downloads of={`the ranking of ${id}`} actions={[rankingCsv, analysisJson]} />}
            {!compact && (
              <>
                <p class="muted">Changing a rating is a write: enter the token at the top first.</p>
                <p role="status">{message}</p>
                <Matrix result={result} onRate={(e, h, r) => void rate(e, h, r)} busy={busy} />
                <h3>Sensitivity</h3>
                <Sensitivity result={result} />
                <Downloads
                  of={`the analysis of ${id}`}
                  actions={[
                    analysisJson,
                    {
                      label: 'Matrix CSV',
                      run: () =>
                        downloadCsv(
                          fileName([...file, 'matrix'], 'csv'),
                          [
                            'evidence',
                            'title',
                            'weight',
                            'diagnosticity',
                            ...result.hypotheses.map((h) => h.id),
                          ],
                          result.evidence.map((e) => [
                            e.id,
                            e.title,
                            e.weight,
                            e.diagnosticity,
                            ...e.ratings,
                          ]),
                        ),
                    },
                    rankingCsv,
                  ]}
                />
              </>
            )}
          </div>
        );
      }}
    </Status>
  );
}

export function AchPage({ id, route }: { id?: string; route: Route }) {
  const list = useApi<{ cases: AchCaseSummary[] }>(id === undefined ? '/ach/cases' : undefined);
  if (id !== undefined)
    return (
      <section>
        <h1>Competing hypotheses</h1>
        <p>
          <a href={href('ach')}>All ACH cases</a>
        </p>
        <AchView id={id} route={route} />
      </section>
    );
  return (
    <section>
      <h1>Competing hypotheses</h1>
      <Status loaded={list} what="the ACH cases">
        {({ cases }) => (
          <ul>
            {cases.map((c) => (
              <li key={c.id}>
                <a href={href('ach', c.id)}>{c.title}</a>
              </li>
            ))}
          </ul>
        )}
      </Status>
    </section>
  );
}
