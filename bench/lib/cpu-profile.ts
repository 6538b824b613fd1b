/** Reads a V8 .cpuprofile and sums self time by package (or source file) and by function. */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

export interface SelfTime {
  name: string;
  ms: number;
  share: number;
}

function where(url: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  const own = /\/(dist|src)\/(.*)$/.exec(url);
  if (own) return own[2]!;
  return url || '(native)';
}

/**
 * The `top` largest self times, grouped by package/file (`by: 'place'`) or by function. Samples
 * in the first `skipMs` of the profile (start-up, module loading) are left out.
 */
export function selfTimes(file: string, by: 'place' | 'function', top: number, skipMs = 0): SelfTime[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const perNode = new Map<number, number>();
  let elapsed = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    elapsed += delta;
    if (elapsed >= skipMs * 1000) perNode.set(id, (perNode.get(id) ?? 0) + delta);
  });
  const sums = new Map<string, number>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const place = where(url);
    const key = by === 'place' ? (url ? place : functionName) : `${functionName || '(anonymous)'} ${place}:${lineNumber + 1}`;
    sums.set(key, (sums.get(key) ?? 0) + (perNode.get(node.id) ?? 0));
  }
  const total = [...sums.values()].reduce((a, b) => a + b, 0) || 1;
  return [...sums]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => ({ name, ms: us / 1000, share: us / total }));
}
