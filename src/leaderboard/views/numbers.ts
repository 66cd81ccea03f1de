/**
 * Number formats for table columns: one format per column, chosen from the column's values,
 * so a column never mixes `1.30e+3M` with a raw `58788`, and digits line up.
 */

/** Formats every value of a column the same way (null/undefined: empty). */
export type ColumnFormat = (v: number | null | undefined) => string;

const GROUPING = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function fixed(v: number, decimals: number): string {
  // Thousands separators on the integer part; the fraction as toFixed gives it.
  const s = Math.abs(v).toFixed(decimals);
  const [int, frac] = s.split('.');
  const sign = v < 0 && Number(s) !== 0 ? '−' : '';
  return `${sign}${GROUPING.format(Number(int))}${frac !== undefined ? `.${frac}` : ''}`;
}

function finite(values: readonly (number | null | undefined)[]): number[] {
  return values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
}

/**
 * Scores: as many decimals as give the largest magnitude `significant` digits (0.5000,
 * 12.43, 1,295.0), the same for every row, so small differences stay visible in the column.
 */
export function scoreFormat(values: readonly (number | null | undefined)[], significant = 4): ColumnFormat {
  const decimals = scoreDecimals(values, significant);
  return (v) => (typeof v === 'number' && Number.isFinite(v) ? fixed(v, decimals) : v === null ? 'n/a' : '');
}

function scoreDecimals(values: readonly (number | null | undefined)[], significant: number): number {
  const xs = finite(values);
  const max = xs.length ? Math.max(...xs.map(Math.abs)) : 0;
  const magnitude = max > 0 ? Math.floor(Math.log10(max)) : 0;
  return Math.min(6, Math.max(1, significant - 1 - magnitude));
}

/**
 * The labels at the two ends of a score axis: scoreFormat's decimals, and more where the two
 * would read the same (an axis from 0.75681469 to 0.75681472 is not labelled 0.7568 at both
 * ends, which would make two near-equal scores look far apart), at most 12.
 */
export function axisLabels(a: number, b: number): [string, string] {
  let decimals = scoreDecimals([a, b], 4);
  while (decimals < 12 && a !== b && fixed(a, decimals) === fixed(b, decimals)) decimals++;
  return [fixed(a, decimals), fixed(b, decimals)];
}

/**
 * Measurements (milliseconds, items per second): decimals that give the smallest value three
 * significant digits (1.13 beside 169.00), at most three.
 */
export function measureFormat(values: readonly (number | null | undefined)[]): ColumnFormat {
  const xs = finite(values).map(Math.abs).filter((v) => v > 0);
  const min = xs.length ? Math.min(...xs) : 1;
  const decimals = Math.min(3, Math.max(0, 2 - Math.floor(Math.log10(min))));
  return (v) => (typeof v === 'number' && Number.isFinite(v) ? fixed(v, decimals) : '');
}

const SI = [
  { at: 1e12, suffix: ' T' },
  { at: 1e9, suffix: ' G' },
  { at: 1e6, suffix: ' M' },
  { at: 1e3, suffix: ' k' },
];

/** Counts (parameters, multiply-adds): three significant digits with an SI prefix (58.8 k, 2.02 M, 1.30 G). */
export function countFormat(): ColumnFormat {
  return (v) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return '';
    const a = Math.abs(v);
    const unit = SI.find((u) => a >= u.at * 0.9995);
    if (!unit) return fixed(v, 0);
    return `${(v / unit.at).toPrecision(3)}${unit.suffix}`;
  };
}

/** A percentage with no decimals for round shares, one otherwise (30 %, 33.3 %). */
export function percent(fraction: number): string {
  const p = fraction * 100;
  return `${Number.isInteger(Math.round(p * 10) / 10) ? Math.round(p) : p.toFixed(1)} %`;
}
