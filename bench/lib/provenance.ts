/** What every results file records about its run: the commit measured, the machine, and its file name. */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { arch, cpus, release, totalmem, type } from 'node:os';
import type { CommitInfo, MachineInfo } from '../types.js';

/** The commit measured and whether the working tree had changes (results files under bench/results aside). */
export function commitInfo(): CommitInfo {
  const git = (...args: string[]): string => execFileSync('git', args, { encoding: 'utf8' }).trim();
  try {
    const changes = git('status', '--porcelain').split('\n').filter((l) => l.trim() !== '' && !l.slice(3).startsWith('bench/results/'));
    return { hash: git('rev-parse', '--short', 'HEAD'), dirty: changes.length > 0 };
  } catch {
    return { hash: 'unknown', dirty: null };
  }
}

export function machineInfo(): MachineInfo {
  return {
    cpus: cpus().length,
    model: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    os: `${type()} ${release()} ${arch()}`,
  };
}

/** A results file name: `<UTC start, e.g. 2026-12-05T0204Z>-<commit>[-dirty]<suffix>.json`. */
export const resultsName = (iso: string, commit: CommitInfo, suffix = ''): string =>
  `${iso.slice(0, 13)}${iso.slice(14, 16)}Z-${commit.hash}${commit.dirty ? '-dirty' : ''}${suffix}.json`;

/**
 * Writes `data` as JSON to bench/results/<prefix><name>, never over an existing file: a second run
 * in the same minute of the same commit gets `-2`, `-3`... before `.json`. Returns the path.
 */
export function writeNewResults(name: string, data: unknown, prefix = ''): string {
  for (let n = 1; n < 100; n++) {
    const file = `bench/results/${prefix}${n === 1 ? name : name.replace(/\.json$/, `-${n}.json`)}`;
    try {
      writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`, { flag: 'wx' });
      return file;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new Error(`bench/results/${prefix}${name} and 98 more exist already`);
}
