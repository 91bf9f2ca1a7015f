/** Number and time formatting shared by the views. */

export const percent = (share: number, digits = 1): string => `${(share * 100).toFixed(digits)}%`;

export const fixed = (value: number, digits = 3): string => value.toFixed(digits);

export const count = (value: number): string => value.toLocaleString('en');

/** ISO 8601 in UTC without milliseconds. */
export function isoTime(value: string | number | undefined | null): string {
  if (value === undefined || value === null || value === '') return '';
  const date = typeof value === 'number' ? new Date(value * 1000) : new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString().replace('.000Z', 'Z');
}

export function seconds(iso: string): number {
  return Date.parse(iso) / 1000;
}

export function duration(total: number): string {
  if (total < 120) return `${Math.round(total)} s`;
  if (total < 7200) return `${Math.round(total / 60)} min`;
  if (total < 172800) return `${(total / 3600).toFixed(1)} h`;
  return `${(total / 86400).toFixed(1)} d`;
}
