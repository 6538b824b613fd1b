/** How the benchmark report writes numbers (bench/report.ts, bench/report-chart.ts). */

/** A number with thousands separators and `digits` decimals (en-US). */
export const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** `a / b` as a ratio ("0.42×"), or "n/a" without a baseline. */
export const ratio = (a: number, b: number): string => (b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');
