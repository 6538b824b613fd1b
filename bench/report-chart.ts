/** docs/benchmarks.svg, rendered by bench/report.ts from a results file: a bar per rate, log scale. */
import { correctRate } from './lib/load.js';
import { fmt } from './report-format.js';
import type { BenchResults } from './types.js';

/** The chart of docs/benchmarks.svg: every scenario's rate at 50 connections beside the two baselines (their medians, from the report). */
export function chart(r: BenchResults, baselines: { fastify: number; argon2: number }): string {
  const bars: Array<{ label: string; value: number; kind: string }> = [];
  bars.push({ label: 'bare Fastify', value: baselines.fastify, kind: 'base' });
  bars.push({ label: 'bare argon2id', value: baselines.argon2, kind: 'base' });
  for (const [dbName, db] of Object.entries(r.databases)) {
    for (const [name, byConn] of Object.entries(db.scenarios)) {
      const s = byConn?.[50];
      if (s) bars.push({ label: `${name} (${dbName})`, value: correctRate(s), kind: dbName });
    }
  }
  const width = 820;
  const rowH = 22;
  const left = 230;
  const max = Math.log10(Math.max(...bars.map((b) => b.value), 10));
  const scale = (v: number): number => (v <= 1 ? 0 : (Math.log10(v) / max) * (width - left - 90));
  const colors: Record<string, string> = { base: '#888', sqlite: '#2b6cb0', postgres: '#2f855a' };
  const rows = bars.map((b, i) => {
    const y = 40 + i * rowH;
    return [
      `<text x="${left - 8}" y="${y + 15}" text-anchor="end" font-size="12">${b.label}</text>`,
      `<rect x="${left}" y="${y + 3}" width="${scale(b.value).toFixed(1)}" height="${rowH - 6}" fill="${colors[b.kind] ?? '#555'}"/>`,
      `<text x="${left + scale(b.value) + 6}" y="${y + 15}" font-size="12">${fmt(b.value, b.value < 100 ? 1 : 0)}</text>`,
    ].join('');
  });
  const height = 60 + bars.length * rowH;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="22" font-size="14" font-weight="bold">Requests per second at 50 connections (log scale); grey = baselines, blue = SQLite, green = PostgreSQL</text>`,
    ...rows,
    '</svg>',
    '',
  ].join('\n');
}
