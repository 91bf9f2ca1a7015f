/** Loading and error states of a view, and the download buttons every view carries. */
import type { ComponentChildren } from 'preact';
import { useCallback, useRef, useState } from 'preact/hooks';
import type { Loaded } from '../api';

export function Status<T>({
  loaded,
  what,
  children,
}: {
  loaded: Loaded<T>;
  what: string;
  children: (value: T, loaded: Extract<Loaded<T>, { state: 'ready' }>) => ComponentChildren;
}) {
  if (loaded.state === 'loading')
    return (
      <p class="muted" role="status">
        Loading {what}…
      </p>
    );
  if (loaded.state === 'error') {
    const error = loaded.error as Error & { code?: string };
    return (
      <p class="error" role="alert">
        Could not load {what}: {error.code ? `${error.code}: ` : ''}
        {error.message}
      </p>
    );
  }
  return <>{children(loaded.value.data, loaded)}</>;
}

export interface DownloadAction {
  label: string;
  run: () => void;
  /**
   * Why the download cannot be made yet (a chart not drawn yet): the button is disabled and says
   * so, rather than being a click that saves nothing.
   */
  unavailable?: string;
}

/** The download buttons of one view; `of` names what they save (the group's accessible name). */
export function Downloads({ actions, of }: { actions: DownloadAction[]; of?: string }) {
  const waiting = actions.filter((action) => action.unavailable !== undefined);
  return (
    <div class="downloads" role="group" aria-label={of === undefined ? 'Downloads' : `Downloads of ${of}`}>
      {actions.map((action) => (
        <button
          key={action.label}
          type="button"
          onClick={action.run}
          disabled={action.unavailable !== undefined}
          title={action.unavailable}
        >
          {action.label}
        </button>
      ))}
      {waiting.length > 0 && (
        <span class="muted" role="status">
          {waiting.map((action) => `${action.label}: ${action.unavailable}`).join('; ')}
        </span>
      )}
    </div>
  );
}

/**
 * What a chart or graph hands over once it is drawn (its canvas, or a function making its PNG):
 * `get()` for the click, `drawn` to render its download button enabled only then.
 */
export interface Drawn<T> {
  get(): T | undefined;
  drawn: boolean;
  set(value: T | undefined): void;
}

export function useDrawn<T>(): Drawn<T> {
  const value = useRef<T | undefined>(undefined);
  const [drawn, setDrawn] = useState(false);
  const set = useCallback((next: T | undefined) => {
    value.current = next;
    setDrawn(next !== undefined);
  }, []);
  return { get: () => value.current, drawn, set };
}

/** The reason a picture's download waits, shown on its disabled button. */
export const NOT_DRAWN = 'the chart is still being drawn';

export function Meta({ meta }: { meta: Record<string, unknown> }) {
  const coverage = meta.coverage as Record<string, unknown> | undefined;
  const dataTime = meta.dataTime as { from?: string; to?: string } | undefined;
  return (
    <p class="meta muted">
      {dataTime?.from ? `Data ${dataTime.from} to ${dataTime.to ?? '…'}. ` : ''}
      {coverage
        ? Object.entries(coverage)
            .filter(([, v]) => typeof v === 'number' || typeof v === 'string' || Array.isArray(v))
            .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.length : String(v)}`)
            .join(' · ')
        : ''}
    </p>
  );
}
