/**
 * The statistics of the enumeration timing tests (test/http/sec-enumeration-timing.test.ts):
 * probes sampled interleaved in a fresh random order each round, compared by interquartile mean,
 * with a tolerance that follows the hash time and the run's own noise (see `judge`).
 */
import { randomInt } from 'node:crypto';

export type Probe = () => Promise<void>;

function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Runs every probe once per round, in a fresh random order each round; milliseconds per probe. */
export async function sampleInterleaved(probes: Record<string, Probe>, rounds: number, beforeRound?: () => void): Promise<Record<string, number[]>> {
  const names = Object.keys(probes);
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < rounds; round++) {
    beforeRound?.();
    for (const name of shuffled(names)) {
      const start = process.hrtime.bigint();
      await probes[name]!();
      samples[name]!.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  }
  return samples;
}

/** The mean of the middle half of the samples (drops the fastest and slowest quarter). */
function interquartileMean(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const from = Math.floor(sorted.length / 4);
  const middle = sorted.slice(from, sorted.length - from);
  return middle.reduce((s, v) => s + v, 0) / middle.length;
}

export interface Verdict {
  /** Interquartile mean per class, ms. */
  centres: Record<string, number>;
  /** One bare argon2id verification, ms (login rounds only). */
  hashMs: number | null;
  tolerance: number;
  /** The two classes furthest apart, and by how much. */
  worst: { a: string; b: string; diff: number };
  ok: boolean;
}

export const HASH_PROBE = 'bare argon2id verify';
/**
 * Below this no class difference counts. Timer and scheduler noise on a loaded 2-core machine is
 * part of it; the rest is a known residual: on PostgreSQL a reset that really mails a link
 * inserts rows where the other branches run updates matching nothing, about 0.5 ms apart on a
 * quiet machine and measured at 2.3 ms in CI with another test file running beside it.
 */
const FLOOR_MS = 3;

/**
 * How many standard errors apart two class centres may be by chance. Large on purpose: the test
 * must not fail on noise, and the leaks it exists for (a skipped hash, a 50 ms branch) sit far
 * above it (the control tests below check that they are still caught).
 */
const NOISE_Z = 4;

/**
 * The run's own noise: the standard error of the difference of two class centres. Each sample's
 * distance from its class's median is pooled over the classes; their interquartile range / 1.349
 * estimates the spread robustly (a burst of load inflates a few samples, not the quartiles).
 * On a quiet machine this is well under a millisecond; at load average 35 on 2 cores the sign-up
 * and reset paths spread by several milliseconds either way (seen in CI: 5-12 ms apart, all noise).
 */
function noiseMs(samples: Record<string, number[]>, classes: readonly string[]): number {
  const residuals: number[] = [];
  for (const c of classes) {
    const sorted = [...samples[c]!].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    residuals.push(...sorted.map((v) => v - median));
  }
  residuals.sort((a, b) => a - b);
  const q = (p: number) => residuals[Math.min(residuals.length - 1, Math.floor(p * residuals.length))]!;
  const sigma = (q(0.75) - q(0.25)) / 1.349;
  const perClass = residuals.length / classes.length;
  return (Math.SQRT2 * sigma) / Math.sqrt(perClass);
}

/**
 * Classes are indistinguishable when every pair's interquartile means differ by less than the
 * tolerance: the largest of a quarter of the overall centre, half of one argon2id verification
 * (when the rounds timed one), NOISE_Z standard errors of the run's own noise, and FLOOR_MS. Half
 * a hash is the line because the leak that matters (skipping the hash for some class) shifts that
 * class by a whole hash; a fixed 15 ms floor would not catch it here, where one
 * verification takes about 12 ms.
 */
export function judge(samples: Record<string, number[]>): Verdict {
  const classes = Object.keys(samples).filter((k) => k !== HASH_PROBE);
  const centres = Object.fromEntries(classes.map((c) => [c, interquartileMean(samples[c]!)]));
  const overall = interquartileMean(classes.flatMap((c) => samples[c]!));
  const hashMs = samples[HASH_PROBE] ? interquartileMean(samples[HASH_PROBE]) : null;
  const tolerance = Math.max(overall / 4, hashMs === null ? 0 : hashMs / 2, NOISE_Z * noiseMs(samples, classes), FLOOR_MS);
  let worst = { a: classes[0]!, b: classes[0]!, diff: 0 };
  for (const a of classes) {
    for (const b of classes) {
      const diff = centres[a]! - centres[b]!;
      if (diff > worst.diff) worst = { a, b, diff };
    }
  }
  return { centres, hashMs, tolerance, worst, ok: worst.diff < tolerance };
}

export function describeVerdict(label: string, v: Verdict): string {
  const centres = Object.entries(v.centres)
    .map(([c, ms]) => `${c} ${ms.toFixed(1)}`)
    .join(', ');
  const hash = v.hashMs === null ? '' : `; argon2id verify ${v.hashMs.toFixed(1)}`;
  return `${label}: ${centres} ms${hash}; ${v.worst.a} - ${v.worst.b} = ${v.worst.diff.toFixed(1)} ms, tolerance ${v.tolerance.toFixed(1)} ms`;
}
