/**
 * A sortable, searchable table. Every cell is rendered as text (or as the element a column's
 * `render` returns, built from text nodes); sort and search live in the URL when the view passes
 * them through `state`.
 */
import type { ComponentChildren } from 'preact';
import { useMemo } from 'preact/hooks';

export interface Column<Row> {
  key: string;
  label: string;
  /** The value sorted on and searched; also what CSV downloads hold. */
  value: (row: Row) => string | number | boolean | undefined;
  render?: (row: Row) => ComponentChildren;
  numeric?: boolean;
}

export interface TableState {
  sort?: string;
  /** `asc` or `desc`. */
  dir?: string;
  search?: string;
}

interface Props<Row> {
  caption: string;
  columns: Column<Row>[];
  rows: Row[];
  rowKey: (row: Row) => string;
  state?: TableState;
  onState?: (state: TableState) => void;
  searchable?: boolean;
  limit?: number;
}

export function sortRows<Row>(rows: Row[], columns: Column<Row>[], state: TableState): Row[] {
  const column = columns.find((c) => c.key === state.sort);
  const needle = (state.search ?? '').trim().toLowerCase();
  let result =
    needle === ''
      ? rows
      : rows.filter((row) =>
          columns.some((c) =>
            String(c.value(row) ?? '')
              .toLowerCase()
              .includes(needle),
          ),
        );
  if (column !== undefined) {
    const sign = state.dir === 'desc' ? -1 : 1;
    result = [...result].sort((a, b) => {
      const x = column.value(a);
      const y = column.value(b);
      if (x === y) return 0;
      if (x === undefined) return 1;
      if (y === undefined) return -1;
      return (
        (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))) * sign
      );
    });
  }
  return result;
}

export function Table<Row>({
  caption,
  columns,
  rows,
  rowKey,
  state = {},
  onState,
  searchable = false,
  limit = 500,
}: Props<Row>) {
  const shown = useMemo(
    () => sortRows(rows, columns, state),
    [rows, columns, state.sort, state.dir, state.search],
  );
  const id = 'search-' + caption.replace(/\W+/g, '-').toLowerCase();
  return (
    <div class="table-block">
      {searchable && (
        <div class="table-search">
          <label for={id}>Filter {caption.toLowerCase()}</label>
          <input
            id={id}
            type="search"
            value={state.search ?? ''}
            onInput={(e) => onState?.({ ...state, search: e.currentTarget.value })}
          />
          <span class="muted" aria-live="polite">
            {shown.length} of {rows.length}
          </span>
        </div>
      )}
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => {
              const sorted = state.sort === column.key;
              const ariaSort = sorted ? (state.dir === 'desc' ? 'descending' : 'ascending') : undefined;
              return (
                <th
                  key={column.key}
                  scope="col"
                  aria-sort={ariaSort}
                  class={column.numeric ? 'num' : undefined}
                >
                  {onState ? (
                    <button
                      type="button"
                      class="sort"
                      onClick={() =>
                        onState({
                          ...state,
                          sort: column.key,
                          dir: sorted && state.dir !== 'desc' ? 'desc' : 'asc',
                        })
                      }
                    >
                      {column.label}
                      <span aria-hidden="true">{sorted ? (state.dir === 'desc' ? ' ▼' : ' ▲') : ''}</span>
                    </button>
                  ) : (
                    column.label
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {shown.slice(0, limit).map((row) => (
            <tr key={rowKey(row)}>
              {columns.map((column) => (
                <td key={column.key} class={column.numeric ? 'num' : undefined}>
                  {column.render ? column.render(row) : String(column.value(row) ?? '')}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {shown.length > limit && (
        <p class="muted">
          {shown.length - limit} more rows not shown (narrow with the filter, or download them all).
        </p>
      )}
    </div>
  );
}
