/** Loading and error states of a view, and the download buttons every view carries. */
import type { ComponentChildren } from 'preact';
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
}

/** The download buttons of one view; `of` names what they save (the group's accessible name). */
export function Downloads({ actions, of }: { actions: DownloadAction[]; of?: string }) {
  return (
    <div class="downloads" role="group" aria-label={of === undefined ? 'Downloads' : `Downloads of ${of}`}>
      {actions.map((action) => (
        <button key={action.label} type="button" onClick={action.run}>
          {action.label}
        </button>
      ))}
    </div>
  );
}

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
