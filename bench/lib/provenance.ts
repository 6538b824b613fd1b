/** What every results file records about its run: the commit measured, the machine, and its file name. */
import { execFileSync } from 'node:child_process';
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

/**
 * A results file name: `<UTC start, e.g. 2026-12-05T0204Z>-<commit>[-dirty]<suffix>.json`. Written
 * with the 'wx' flag by its callers, so a run never replaces another.
 */
export const resultsName = (iso: string, commit: CommitInfo, suffix = ''): string =>
  `${iso.slice(0, 13)}${iso.slice(14, 16)}Z-${commit.hash}${commit.dirty ? '-dirty' : ''}${suffix}.json`;
