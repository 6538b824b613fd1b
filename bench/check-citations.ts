/**
 * `npm run bench:check`: every figure quoted in docs/benchmarks.md and bench/findings.md traces to
 * a kept results file (one under bench/results/ that git does not ignore, so partial runs do not
 * count).
 *
 * - docs/benchmarks.md must be exactly what bench/report.ts renders from the results file its
 *   first lines name (and docs/benchmarks.svg likewise): regenerating it reproduces it.
 * - In bench/findings.md, each paragraph or list item that quotes a figure (a number with ×,
 *   req/s, hashes/s, logins/s, /s, µs, ms or MiB; in a run such as "1,390 / 1,782 → 4,562 req/s"
 *   every number of the run counts) must name at least one kept results file, and every such
 *   figure must appear in one of the files it names: as a figure of the report rendered from it,
 *   or as one of its recorded numbers rounded to 0, 1 or 2 decimals.
 *
 * Exits 1 with one line per problem.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readResults, renderReport } from './report.js';
import type { BenchResults } from './types.js';

const NUMBER = String.raw`(?<![\w.,])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?`;
const UNIT = String.raw`(?:×|(?:req|hashes|logins)?\/s\b|µs\b|ms\b|MiB\b)`;
const JOIN = String.raw`\s*(?:\/|→|–|to|and|of|vs)\s*`;
/** A run of numbers joined by "/", "→", "–", "to", "and", "of" or "vs" that ends in a unit. */
const FIGURE_RUN = new RegExp(String.raw`(?:${NUMBER}\s*${UNIT}?${JOIN})*${NUMBER}\s*${UNIT}`, 'g');
const NUMBERS = new RegExp(NUMBER, 'g');
const CITATION = /bench\/results\/[A-Za-z0-9._-]+\.json/g;

const normal = (n: string): string => n.replace(/,/g, '');

/** The figures a text quotes, as numbers without thousands separators. */
export function quotedFigures(text: string): string[] {
  const out: string[] = [];
  for (const run of text.match(FIGURE_RUN) ?? []) for (const n of run.match(NUMBERS) ?? []) out.push(normal(n));
  return out;
}

/** A problem with a cited file, or null when it is kept. */
function notKept(file: string): string | null {
  if (!existsSync(file)) return `${file} does not exist`;
  if (/(^|\/)partial-/.test(file)) return `${file} is a partial run`;
  try {
    execFileSync('git', ['check-ignore', '-q', file]);
    return `${file} is ignored by git, so not kept`;
  } catch {
    return null;
  }
}

/** Every number a results file can be quoted with: the rendered report's figures and its recorded numbers rounded. */
function figuresOf(file: string): Set<string> {
  const data: unknown = JSON.parse(readFileSync(file, 'utf8'));
  const out = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v === 'number') for (const d of [0, 1, 2]) out.add(v.toFixed(d));
    else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x);
  };
  walk(data);
  if ((data as BenchResults).databases) {
    const { markdown } = renderReport(data as BenchResults, file, '');
    for (const n of markdown.match(NUMBERS) ?? []) out.add(normal(n));
  }
  return out;
}

/** Paragraphs and list items of a Markdown text, with the line each starts on. */
function blocks(text: string): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  let current: { line: number; text: string } | null = null;
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '' || /^\s*(?:[-*]|\d+\.)\s/.test(line) || line.startsWith('#')) {
      if (current) out.push(current);
      current = line.trim() === '' ? null : { line: i + 1, text: line };
    } else if (current) current.text += `\n${line}`;
    else current = { line: i + 1, text: line };
  });
  if (current) out.push(current);
  return out;
}

const figureCache = new Map<string, Set<string>>();
const cachedFigures = (file: string): Set<string> => figureCache.get(file) ?? figureCache.set(file, figuresOf(file)).get(file)!;

/** Problems with the figures of a Markdown text whose blocks cite their own results files. */
export function checkFindings(name: string, text: string): string[] {
  const problems: string[] = [];
  for (const block of blocks(text)) {
    const figures = quotedFigures(block.text);
    const cited = [...new Set(block.text.match(CITATION) ?? [])];
    for (const file of cited) {
      const why = notKept(file);
      if (why) problems.push(`${name}:${block.line}: cites ${why}`);
    }
    if (figures.length === 0) continue;
    const kept = cited.filter((f) => notKept(f) === null);
    if (kept.length === 0) {
      problems.push(`${name}:${block.line}: quotes ${figures.join(', ')} without naming a kept results file`);
      continue;
    }
    const known = new Set(kept.flatMap((f) => [...cachedFigures(f)]));
    const missing = figures.filter((f) => !known.has(f));
    if (missing.length) problems.push(`${name}:${block.line}: ${missing.join(', ')} not found in ${kept.join(', ')}`);
  }
  return problems;
}

/** Problems with docs/benchmarks.md and its chart: each must be the rendering of the file it names. */
export function checkReport(markdownFile: string, svgFile: string, findingsFile: string): string[] {
  const doc = readFileSync(markdownFile, 'utf8');
  const source = /from `(bench\/results\/[^`]+\.json)`/.exec(doc)?.[1];
  if (!source) return [`${markdownFile}: names no results file it was generated from`];
  const why = notKept(source);
  if (why) return [`${markdownFile}: generated from ${why}`];
  const findings = existsSync(findingsFile) ? readFileSync(findingsFile, 'utf8') : '(none recorded)';
  const { markdown, svg } = renderReport(readResults(source), source, findings);
  const problems: string[] = [];
  if (markdown !== doc) {
    const ours = markdown.split('\n');
    const theirs = doc.split('\n');
    const line = Array.from({ length: Math.max(ours.length, theirs.length) }, (_, i) => i).find((i) => ours[i] !== theirs[i]) ?? 0;
    problems.push(`${markdownFile}:${line + 1}: differs from the rendering of ${source} (run: node --import tsx bench/report.ts ${source})`);
  }
  if (!existsSync(svgFile) || readFileSync(svgFile, 'utf8') !== svg) problems.push(`${svgFile}: differs from the rendering of ${source}`);
  // The generated part quotes the source file only; the findings part is checked as bench/findings.md.
  const generated = doc.split('\n## Findings\n')[0]!;
  const known = cachedFigures(source);
  const missing = quotedFigures(generated).filter((f) => !known.has(f));
  if (missing.length) problems.push(`${markdownFile}: ${[...new Set(missing)].join(', ')} not found in ${source}`);
  return problems;
}

if (process.argv[1]?.endsWith('check-citations.ts')) {
  const findings = 'bench/findings.md';
  const problems = [
    ...checkReport('docs/benchmarks.md', 'docs/benchmarks.svg', findings),
    ...(existsSync(findings) ? checkFindings(findings, readFileSync(findings, 'utf8')) : []),
  ];
  for (const p of problems) process.stderr.write(`${p}\n`);
  process.stdout.write(problems.length ? `${problems.length} figure(s) or file(s) do not trace to a kept results file\n` : 'every quoted figure traces to a kept results file\n');
  process.exitCode = problems.length ? 1 : 0;
}
