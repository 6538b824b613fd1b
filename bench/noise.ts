/**
 * How far a ratio in the report can move by noise alone, and the verdict on a target that takes
 * it into account: a ratio whose distance from its goal is within twice its estimated standard
 * deviation is "within noise", neither met nor missed. The noise comes from repeated samples the
 * run already takes: the baseline measured before every scenario, and the best-of-three runs of
 * the growth test.
 */

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length === 0 ? 0 : sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Linear interpolation between order statistics of sorted values (q in 0..1). */
function quantile(sorted: number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

/** Expected range of n normal samples in standard deviations (the d2 constants of the range method). */
const D2: Record<number, number> = { 2: 1.128, 3: 1.693 };

/**
 * The standard deviation of one sample relative to the samples' median, estimated robustly: the
 * interquartile range / 1.349 from 4 samples up, the range / d2 from 2 or 3. null with fewer than 2.
 */
export function relativeSpread(samples: Array<number | undefined>): number | null {
  const values = samples.filter((v): v is number => typeof v === 'number' && v > 0).sort((a, b) => a - b);
  if (values.length < 2) return null;
  const mid = median(values);
  if (values.length <= 3) return (values[values.length - 1]! - values[0]!) / D2[values.length]! / mid;
  return (quantile(values, 0.75) - quantile(values, 0.25)) / 1.349 / mid;
}

/** The relative standard deviation of the median of n samples, each of relative deviation `spread`. */
export const ofMedian = (spread: number, n: number): number => (1.2533 * spread) / Math.sqrt(n);

/** The relative standard deviation of a ratio of two independent figures. */
export const combined = (...parts: Array<number | null>): number | null =>
  parts.some((p) => p === null) ? null : Math.sqrt(parts.reduce<number>((sum, p) => sum + p! * p!, 0));

export type Verdict = 'yes' | 'no' | 'within noise';

export interface Judgement {
  verdict: Verdict;
  /** Half-width of the noise band (two standard deviations), in the ratio's own units; null when unknown. */
  band: number | null;
  /** Why, when the verdict is not read off the goal alone. */
  note?: string;
}

/**
 * The verdict on `value` against `goal` given the ratio's relative standard deviation. A ratio
 * that cannot exceed 1 but does (faster with more data) is noise whatever its band: it is never
 * reported as met.
 */
export function judge(value: number, goal: number, atLeast: boolean, relativeNoise: number | null, atMostOne = false): Judgement {
  const band = relativeNoise === null ? null : 2 * relativeNoise * value;
  if (atMostOne && value > 1) {
    return { verdict: 'within noise', band, note: 'above 1: more data cannot make it faster, so the difference is noise between the two measurements' };
  }
  if (band !== null && Math.abs(value - goal) <= band) return { verdict: 'within noise', band };
  const met = atLeast ? value >= goal : value <= goal;
  return { verdict: met ? 'yes' : 'no', band, ...(band === null ? { note: 'noise not estimated' } : {}) };
}
