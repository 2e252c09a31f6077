/** Number formatting for the experiments' tables. */

/** 0.98456 → "98.46%". */
export function percent(fraction: number, digits = 2): string {
  return `${(100 * fraction).toFixed(digits)}%`;
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('mean of no values');
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** Sample standard deviation (n − 1); 0 for a single value. */
export function standardDeviation(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  return Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / (values.length - 1));
}

/** Accuracies over seeds as "97.10 ± 0.21%" (mean ± sample standard deviation, in percent). */
export function percentMeanStd(fractions: readonly number[], digits = 2): string {
  return `${(100 * mean(fractions)).toFixed(digits)} ± ${(100 * standardDeviation(fractions)).toFixed(digits)}%`;
}

/** 61706 → "61,706". */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

const SUPERSCRIPT = '⁰¹²³⁴⁵⁶⁷⁸⁹';

/** 36000000000000 → "3.6·10¹³" (significant digits, trailing zeros dropped); small numbers stay plain. */
export function scientific(n: number, digits = 2): string {
  if (n === 0 || (Math.abs(n) >= 1e-3 && Math.abs(n) < 1e4)) return String(Number(n.toPrecision(digits + 1)));
  const exponent = Math.floor(Math.log10(Math.abs(n)));
  let mantissa = Number((n / 10 ** exponent).toFixed(digits));
  let e = exponent;
  if (Math.abs(mantissa) >= 10) { mantissa /= 10; e++; }
  const sup = String(Math.abs(e)).split('').map((d) => SUPERSCRIPT[Number(d)]).join('');
  return `${mantissa}·10${e < 0 ? '⁻' : ''}${sup}`;
}

/** Seconds as "12.3 s" or "2 min 05 s". */
export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const total = Math.round(seconds), m = Math.floor(total / 60), s = total % 60;
  return `${m} min ${String(s).padStart(2, '0')} s`;
}
