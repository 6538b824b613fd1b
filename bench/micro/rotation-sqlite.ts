/**
 * What one refresh rotation costs in better-sqlite3 alone, by storage design (2026-12-05 round
 * of docs/benchmarks.md). The schema is Latchkey's own (its migrations); 1,000 accounts with one token
 * chain each; rotations run in batches (one transaction, a savepoint each, as group commit does).
 *
 *   node --import tsx bench/micro/rotation-sqlite.ts [designs=all] [rotations=20000] [batch=25]
 *
 * designs: a comma-separated list, or all of: successor-row (one row per rotation, random UUIDs: before 2026-12-05),
 * successor-row-time-ids (the same with time-ordered ids), in-place (one row per chain, updated;
 * UUIDv7 audit ids: the current design), in-place-no-audit. WAL_AUTOCHECKPOINT=N sets SQLite's
 * autocheckpoint (0 turns it off, to see the checkpoints' share). Uses a file in the OS temp dir
 * per design. Writes bench/results/<UTC time>-<commit>-micro-rotation.json (a new file each run)
 * with the commit and machine, so that a figure quoted from it can be traced.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { hashSecret as sha } from '../../src/core/credentials/secrets.js';
import { timeOrderedId } from '../../src/store/audit.js';
import { migrateToLatest, openDatabase } from '../../src/store/index.js';
import { commitInfo, machineInfo, resultsName, writeNewResults } from '../lib/provenance.js';

const designs = ['successor-row', 'successor-row-time-ids', 'in-place', 'in-place-no-audit'];
const asked = !process.argv[2] || process.argv[2] === 'all' ? designs : process.argv[2].split(',');
const total = Number(process.argv[3] ?? 20_000);
const batch = Number(process.argv[4] ?? 25);
for (const design of asked) if (!designs.includes(design)) throw new Error(`design is one of ${designs.join(', ')} (or all)`);

interface Measured {
  design: string;
  perRotationUs: number;
  walMiB: number;
}

/** One design's rotations on a fresh migrated database file. */
async function measure(design: string): Promise<Measured> {
  const inPlace = design.startsWith('in-place');
  const timeIds = design !== 'successor-row';

  const dir = mkdtempSync(join(tmpdir(), 'latchkey-rotation-'));
  const file = join(dir, 'rotation.db');
  const migrated = await openDatabase(`sqlite:${file}`);
  await migrateToLatest(migrated);
  await migrated.close();
  const db = new Database(file);
  db.pragma('synchronous = NORMAL');
  if (process.env.WAL_AUTOCHECKPOINT !== undefined) db.pragma(`wal_autocheckpoint = ${Number(process.env.WAL_AUTOCHECKPOINT)}`);
  db.pragma('foreign_keys = ON');

  const newId = (): string => (timeIds ? timeOrderedId(Date.now()) : randomUUID());

  const chains: Array<{ id: string; secret: string }> = [];
  db.transaction(() => {
    const account = db.prepare(`insert into accounts (id, username, username_key, status, created_at, updated_at) values (?, ?, ?, 'active', 1, 1)`);
    const session = db.prepare(`insert into sessions (id, secret_hash, account_id, kind, family_id, created_at, last_seen_at, idle_expires_at,
      absolute_expires_at, ip, user_agent) values (?, ?, ?, 'token', ?, 1, 1, 9e15, 9e15, '127.0.0.1', 'bench')`);
    for (let i = 0; i < 1000; i++) {
      const accountId = randomUUID();
      account.run(accountId, `user-${i}`, `user-${i}`);
      const id = newId();
      const secret = randomBytes(32).toString('base64url');
      session.run(id, sha(secret), accountId, id);
      chains.push({ id, secret });
    }
  })();

  const byHash = db.prepare('select * from sessions where secret_hash = ?');
  const byId = db.prepare('select s.*, a.status from sessions s join accounts a on a.id = s.account_id where s.id = ?');
  const accountById = db.prepare('select * from accounts where id = ?');
  const markRotated = db.prepare('update sessions set rotated_at = ?, replaced_by = ? where id = ?');
  const insertSuccessor = db.prepare(`insert into sessions (id, secret_hash, account_id, kind, family_id, created_at, last_seen_at, idle_expires_at,
    absolute_expires_at, ip, user_agent) values (?, ?, ?, 'token', ?, ?, ?, ?, 9e15, '127.0.0.1', 'bench-agent/1.0')`);
  const advance = db.prepare(`update sessions set generation = generation + 1, chain_hash = ?, chain_at = ?, last_seen_at = ?, idle_expires_at = ?
    where id = ? and generation = ?`);
  const audit = db.prepare(`insert into audit_events (id, at, type, outcome, account_id, identifier_hash, surface, ip, user_agent, request_id, detail)
    values (?, ?, 'refresh', 'success', ?, null, 'native', '127.0.0.1', 'bench-agent/1.0', 'req-1', ?)`);
  const savepoint = db.prepare('savepoint unit');
  const release = db.prepare('release unit');
  const begin = db.prepare('begin immediate');
  const commit = db.prepare('commit');

  const started = process.hrtime.bigint();
  for (let done = 0; done < total; ) {
    begin.run();
    for (let j = 0; j < batch && done < total; j++, done++) {
      const chain = chains[done % chains.length]!;
      const next = randomBytes(32).toString('base64url');
      const now = Date.now();
      savepoint.run();
      if (inPlace) {
        const row = byId.get(chain.id) as { id: string; generation: number };
        advance.run(sha(next), now, now, now + 3_600_000, row.id, row.generation);
      } else {
        const row = byHash.get(sha(chain.secret)) as { id: string; account_id: string; family_id: string };
        accountById.get(row.account_id);
        const successor = newId();
        markRotated.run(now, successor, row.id);
        insertSuccessor.run(successor, sha(next), row.account_id, row.family_id, now, now, now + 3_600_000);
        chain.id = successor;
      }
      if (design !== 'in-place-no-audit') audit.run(newId(), now, chain.id, `{"sessionId":"${chain.id}"}`);
      release.run();
      chain.secret = next;
    }
    commit.run();
  }
  const perRotation = Number(process.hrtime.bigint() - started) / 1000 / total;
  const walMiB = statSync(`${file}-wal`).size / 2 ** 20;
  db.close();
  rmSync(dir, { recursive: true, force: true });
  console.log(`${design}: ${perRotation.toFixed(1)} µs per rotation (${total} rotations in batches of ${batch}; WAL ${walMiB.toFixed(1)} MiB at the end)`);
  return { design, perRotationUs: perRotation, walMiB };
}

const date = new Date().toISOString();
const commit = commitInfo();
const results: Measured[] = [];
for (const design of asked) results.push(await measure(design));
const record = {
  benchmark: 'micro/rotation-sqlite',
  date,
  commit,
  machine: machineInfo(),
  rotations: total,
  batch,
  walAutocheckpoint: process.env.WAL_AUTOCHECKPOINT ?? null,
  results,
};
console.log(`wrote ${writeNewResults(resultsName(date, commit, '-micro-rotation'), record)}`);
