/**
 * Downsampling of a time series to a plot's pixel width: per pixel column the first, lowest,
 * highest and last points are kept (in time order), so every dip and spike a full-resolution
 * line would draw is still drawn, and a column holding a gap (null) keeps one null so "no data"
 * stays a gap instead of being bridged.
 */

export interface Series {
  x: number[];
  /** One array per line, each as long as x; null is "no data". */
  ys: (number | null)[][];
}

export function downsample(series: Series, width: number): Series {
  const { x, ys } = series;
  const columns = Math.max(1, Math.floor(width));
  if (x.length <= columns * 4) return series;
  const x0 = x[0];
  const span = x[x.length - 1] - x0 || 1;
  const keep = new Set<number>();
  let start = 0;
  while (start < x.length) {
    const column = Math.min(columns - 1, Math.floor(((x[start] - x0) / span) * columns));
    let end = start;
    while (
      end + 1 < x.length &&
      Math.min(columns - 1, Math.floor(((x[end + 1] - x0) / span) * columns)) === column
    )
      end++;
    keep.add(start);
    keep.add(end);
    for (const y of ys) {
      let low = -1;
      let high = -1;
      let gap = -1;
      for (let i = start; i <= end; i++) {
        const value = y[i];
        if (value === null) {
          if (gap < 0) gap = i;
          continue;
        }
        if (low < 0 || value < (y[low] as number)) low = i;
        if (high < 0 || value > (y[high] as number)) high = i;
      }
      if (low >= 0) keep.add(low);
      if (high >= 0) keep.add(high);
      if (gap >= 0) keep.add(gap);
    }
    start = end + 1;
  }
  const indexes = [...keep].sort((a, b) => a - b);
  return { x: indexes.map((i) => x[i]), ys: ys.map((y) => indexes.map((i) => y[i])) };
}
