/**
 * Downloads of a view's data (CSV, JSON) and its chart (PNG), made in the browser from the API
 * answers the view shows, so what is saved is what was seen. File names name the view and its
 * state (`cairn-country-KP-2014-12-22.csv`), so two saved views never overwrite each other.
 */

export function downloadBlob(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  // Kept a minute: a busy browser may start reading the blob well after the click.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** A picture made asynchronously (a graph's PNG): saved when drawn; a failure is reported, not swallowed. */
export function downloadPicture(name: string, picture: Promise<Blob>): void {
  picture.then(
    (blob) => downloadBlob(name, blob),
    (error: unknown) => console.error(`${name} could not be made: ${String(error)}`),
  );
}

export type NamePart = string | number | undefined | null | false;

/**
 * `cairn-<view>-<state…>.<ext>`: empty parts are left out and anything but letters, digits, dots
 * and dashes becomes `_`, so a prefix or a filter value cannot make a path or a hidden file.
 */
export function fileName(parts: readonly NamePart[], ext: 'csv' | 'json' | 'png' | 'stix.json'): string {
  const kept = parts
    .filter((part): part is string | number => part !== undefined && part !== null && part !== false)
    .map((part) =>
      String(part)
        .replace(/[^A-Za-z0-9.-]+/g, '_')
        .replace(/^[._]+|[._]+$/g, ''),
    )
    .filter((part) => part !== '');
  return `${['cairn', ...kept].join('-').slice(0, 180)}.${ext}`;
}

/** The day of an ISO time (`2014-12-22T10:00:00Z` gives `2014-12-22`), for file names. */
export function day(time: string | number | undefined | null): string | undefined {
  if (time === undefined || time === null || time === '') return undefined;
  const date = typeof time === 'number' ? new Date(time * 1000) : new Date(time);
  return Number.isNaN(date.getTime()) ? String(time) : date.toISOString().slice(0, 10);
}

/** The days an API answer's meta says its data covers: `[from]` or `[from, to]`, for file names. */
export function dataDays(meta: Record<string, unknown> | undefined): string[] {
  const time = meta?.dataTime as { from?: string; to?: string } | undefined;
  const from = day(time?.from);
  const to = day(time?.to);
  if (from === undefined) return to === undefined ? [] : [to];
  return to === undefined || to === from ? [from] : [from, to];
}

export function downloadJson(name: string, value: unknown): void {
  downloadBlob(name, new Blob([JSON.stringify(value, null, 2) + '\n'], { type: 'application/json' }));
}

export type CsvValue = string | number | boolean | null | undefined;

/**
 * RFC 4180 CSV (quotes doubled, a cell holding a comma, quote or line break quoted, CRLF rows).
 * A text cell starting with = + - @ or a tab or carriage return is prefixed with ' so a
 * spreadsheet shows it rather than running it as a formula; numbers are written as numbers.
 */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  const cell = (value: CsvValue): string => {
    if (value === null || value === undefined) return '';
    let text = String(value);
    if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = "'" + text;
    return /[",\r\n]/.test(text) ? '"' + text.replaceAll('"', '""') + '"' : text;
  };
  return [header, ...rows].map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n';
}

export function downloadCsv(
  name: string,
  header: readonly string[],
  rows: readonly (readonly CsvValue[])[],
): void {
  downloadBlob(name, new Blob([toCsv(header, rows)], { type: 'text/csv' }));
}

function canvasBlob(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise((resolve, reject) =>
    canvas.toBlob(
      (blob) => (blob === null ? reject(new Error('the chart could not be drawn')) : resolve(blob)),
      'image/png',
    ),
  );
}

/** A chart's canvas on a white ground (uPlot draws on a transparent one). */
export function downloadCanvas(name: string, canvas: HTMLCanvasElement): void {
  void canvasBlob(stack([{ canvas }])).then((blob) => downloadBlob(name, blob));
}

/** Several charts one above the other, each under its title, as one picture (the Compare view). */
export function stack(charts: readonly { title?: string; canvas: HTMLCanvasElement }[]): HTMLCanvasElement {
  const titleHeight = charts.some((c) => c.title !== undefined) ? 28 : 0;
  const width = Math.max(1, ...charts.map((c) => c.canvas.width));
  const height = charts.reduce((sum, c) => sum + titleHeight + c.canvas.height, 0);
  const out = document.createElement('canvas');
  out.width = width;
  out.height = Math.max(1, height);
  const g = out.getContext('2d');
  if (g === null) return out;
  g.fillStyle = '#ffffff';
  g.fillRect(0, 0, out.width, out.height);
  let y = 0;
  for (const chart of charts) {
    if (titleHeight > 0) {
      g.fillStyle = '#111111';
      g.font = 'bold 16px sans-serif';
      g.textBaseline = 'middle';
      // fillText draws the title as pixels: a string from data never becomes markup here.
      g.fillText(chart.title ?? '', 8, y + titleHeight / 2);
      y += titleHeight;
    }
    g.drawImage(chart.canvas, 0, y);
    y += chart.canvas.height;
  }
  return out;
}

export function downloadCanvases(
  name: string,
  charts: readonly { title?: string; canvas: HTMLCanvasElement }[],
): void {
  void canvasBlob(stack(charts)).then((blob) => downloadBlob(name, blob));
}

/**
 * An SVG drawing (the world map) as a PNG: serialised with its fills inline, loaded as an image
 * from a blob URL (the CSP allows blob: images) and drawn on a white canvas at `scale`.
 */
export async function svgPng(svg: SVGSVGElement, scale = 2): Promise<Blob> {
  const box = svg.viewBox.baseVal;
  const width = box && box.width > 0 ? box.width : svg.clientWidth;
  const height = box && box.height > 0 ? box.height : svg.clientHeight;
  const copy = svg.cloneNode(true) as SVGSVGElement;
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  copy.setAttribute('width', String(width));
  copy.setAttribute('height', String(height));
  // The page's stylesheet does not reach an SVG drawn as an image: its borders are set here.
  copy.setAttribute('stroke', '#ffffff');
  copy.setAttribute('stroke-width', '0.4');
  const text = new XMLSerializer().serializeToString(copy);
  const url = URL.createObjectURL(new Blob([text], { type: 'image/svg+xml' }));
  try {
    const image = new Image();
    image.decoding = 'sync';
    await new Promise<void>((resolve, reject) => {
      image.onload = () => resolve();
      image.onerror = () => reject(new Error('the map could not be drawn'));
      image.src = url;
    });
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    const g = canvas.getContext('2d');
    if (g === null) throw new Error('no 2D canvas');
    g.fillStyle = '#f4f8fb';
    g.fillRect(0, 0, canvas.width, canvas.height);
    g.drawImage(image, 0, 0, canvas.width, canvas.height);
    return await canvasBlob(canvas);
  } finally {
    URL.revokeObjectURL(url);
  }
}
