/**
 * Bulk seeding for benchmarks: accounts with one known password, and token and cookie
 * sessions with known secrets, written straight into the database (SQLite through a prepared
 * statement in one transaction, PostgreSQL with generate_series), so a million rows take
 * seconds. Ids are deterministic so sessions and tokens can be built for any account number.
 */
import { createHash, createPrivateKey } from 'node:crypto';
import SQLite from 'better-sqlite3';
import { SignJWT } from 'jose';
import pg from 'pg';

const pad = (i: number): string => String(i).padStart(12, '0');
export const accountId = (i: number): string => `00000000-0000-4000-8000-${pad(i)}`;
export const sessionId = (kind: 'token' | 'cookie', i: number): string => `00000000-0000-4000-${kind === 'token' ? '9' : 'a'}000-${pad(i)}`;
/** A session's secret: a cookie's is any string; a refresh chain's is 32 bytes in base64url, as Latchkey issues them. */
export const sessionSecret = (kind: 'token' | 'cookie', i: number): string =>
  kind === 'cookie' ? `bench-cookie-secret-${i}` : createHash('sha256').update(`bench-token-secret-${i}`, 'utf8').digest('base64url');
/** The refresh token of seeded token session i: its id's 16 bytes, then its secret's 32. */
export const refreshToken = (i: number): string =>
  Buffer.concat([Buffer.from(sessionId('token', i).replaceAll('-', ''), 'hex'), Buffer.from(sessionSecret('token', i), 'base64url')]).toString('base64url');
export const username = (i: number): string => `bench-user-${i}`;
const hashSecret = (s: string): string => createHash('sha256').update(s, 'utf8').digest('base64url');

const DAY = 86_400_000;

function sqlitePath(url: string): string {
  return url.slice('sqlite:'.length);
}

function pgConfig(url: string): { connectionString: string; schema: string | undefined } {
  const u = new URL(url);
  const schema = u.searchParams.get('schema') ?? undefined;
  u.searchParams.delete('schema');
  return { connectionString: u.toString(), schema };
}

async function withPg<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const { connectionString, schema } = pgConfig(url);
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    if (schema) await client.query(`set search_path to ${schema}`);
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Inserts accounts number `from` .. `to - 1`, all with `passwordHash`, each with its username
 * claimed in login_identifiers as this release's registration writes it (an account without a
 * claim is one written by an earlier release, which a login finds by a slower path:
 * findByLoginKey in src/store/accounts.ts).
 */
export async function seedAccounts(url: string, from: number, to: number, passwordHash: string, now: number): Promise<void> {
  if (url.startsWith('sqlite:')) {
    const db = new SQLite(sqlitePath(url));
    db.pragma('busy_timeout = 10000');
    const insert = db.prepare(
      `insert into accounts (id, username, username_key, email, email_key, email_verified_at, password_hash, status, promo_code, created_at, updated_at)
       values (?, ?, ?, null, null, null, ?, 'active', null, ?, ?)`,
    );
    const claim = db.prepare(`insert into login_identifiers (identifier, account_id, kind) values (?, ?, 'username')`);
    const run = db.transaction(() => {
      for (let i = from; i < to; i++) {
        insert.run(accountId(i), username(i), username(i), passwordHash, now, now);
        claim.run(username(i), accountId(i));
      }
    });
    run();
    db.close();
    return;
  }
  await withPg(url, (c) =>
    c.query(
      `insert into accounts (id, username, username_key, email, email_key, email_verified_at, password_hash, status, promo_code, created_at, updated_at)
       select '00000000-0000-4000-8000-' || lpad(i::text, 12, '0'), 'bench-user-' || i, 'bench-user-' || i, null, null, null, $3, 'active', null, $4, $4
       from generate_series($1::int, $2::int - 1) as i`,
      [from, to, passwordHash, now],
    ),
  );
  await withPg(url, (c) =>
    c.query(
      `insert into login_identifiers (identifier, account_id, kind)
       select 'bench-user-' || i, '00000000-0000-4000-8000-' || lpad(i::text, 12, '0'), 'username'
       from generate_series($1::int, $2::int - 1) as i`,
      [from, to],
    ),
  );
  await withPg(url, (c) => c.query('analyze accounts; analyze login_identifiers'));
}

/** Inserts sessions `from` .. `to - 1` of `kind` (session i belongs to account i mod `accounts`), secret `sessionSecret(kind, i)`. */
export async function seedSessions(
  url: string,
  kind: 'token' | 'cookie',
  from: number,
  to: number,
  now: number,
  accounts: number,
): Promise<void> {
  // The lifetimes a session of this kind gets from a login with the default settings (README,
  // SESSION_IDLE_TTL and REFRESH_TOKEN_IDLE_TTL, and their absolute limits), so that a check's
  // last-seen write moves the idle expiry later, as in production, never earlier.
  const idle = now + (kind === 'cookie' ? 1 : 7) * DAY;
  const absolute = now + (kind === 'cookie' ? 14 : 30) * DAY;
  if (url.startsWith('sqlite:')) {
    const db = new SQLite(sqlitePath(url));
    db.pragma('busy_timeout = 10000');
    const insert = db.prepare(
      `insert into sessions (id, secret_hash, account_id, kind, family_id, created_at, last_seen_at, idle_expires_at, absolute_expires_at,
         rotated_at, replaced_by, revoked_at, ip, user_agent)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, null, null, null, '127.0.0.1', 'bench')`,
    );
    const run = db.transaction(() => {
      for (let i = from; i < to; i++) {
        const id = sessionId(kind, i);
        insert.run(id, hashSecret(sessionSecret(kind, i)), accountId(i % accounts), kind, id, now, now, idle, absolute);
      }
    });
    run();
    db.close();
    return;
  }
  const prefix = kind === 'token' ? '9' : 'a';
  const b64url = (bytes: string): string => `replace(replace(rtrim(encode(${bytes}, 'base64'), '='), '+', '-'), '/', '_')`;
  const secretSql = kind === 'cookie' ? `'bench-cookie-secret-' || i` : b64url(`sha256(convert_to('bench-token-secret-' || i, 'UTF8'))`);
  await withPg(url, (c) =>
    c.query(
      `insert into sessions (id, secret_hash, account_id, kind, family_id, created_at, last_seen_at, idle_expires_at, absolute_expires_at,
         rotated_at, replaced_by, revoked_at, ip, user_agent)
       select s.id, ${b64url(`sha256(convert_to(${secretSql}, 'UTF8'))`)},
              '00000000-0000-4000-8000-' || lpad((i % $7)::text, 12, '0'), $3, s.id, $4, $4, $5, $6, null, null, null, '127.0.0.1', 'bench'
       from generate_series($1::int, $2::int - 1) as i,
            lateral (select '00000000-0000-4000-${prefix}000-' || lpad(i::text, 12, '0') as id) s`,
      [from, to, kind, now, idle, absolute, accounts],
    ),
  );
  await withPg(url, (c) => c.query('analyze sessions'));
}

/** Moves every seeded session's last use `ms` into the past (bench/cpu-cost.ts, BENCH_LAST_USED). */
export async function moveSessionsLastUse(url: string, ms: number): Promise<void> {
  if (url.startsWith('sqlite:')) {
    const db = new SQLite(sqlitePath(url));
    try {
      db.prepare('update sessions set last_seen_at = last_seen_at - ?').run(ms);
    } finally {
      db.close();
    }
    return;
  }
  await withPg(url, (c) => c.query('update sessions set last_seen_at = last_seen_at - $1', [ms]));
}

/** Signs access tokens for seeded token sessions with the server's own (newest) key. */
export async function signAccessTokens(
  url: string,
  issuer: string,
  indices: number[],
  nowMs: number,
  accounts: number,
): Promise<string[]> {
  let row: { kid: string; private_jwk: string } | undefined;
  if (url.startsWith('sqlite:')) {
    const db = new SQLite(sqlitePath(url), { readonly: true });
    row = db.prepare('select kid, private_jwk from signing_keys order by created_at desc limit 1').get() as typeof row;
    db.close();
  } else {
    row = await withPg(url, async (c) => (await c.query('select kid, private_jwk from signing_keys order by created_at desc limit 1')).rows[0]);
  }
  if (!row) throw new Error('no signing key: start the server once before signing tokens');
  const key = createPrivateKey({ key: JSON.parse(row.private_jwk), format: 'jwk' });
  const iat = Math.floor(nowMs / 1000);
  return Promise.all(
    indices.map((i) =>
      new SignJWT({ sid: sessionId('token', i) })
        .setProtectedHeader({ alg: 'EdDSA', kid: row!.kid, typ: 'at+jwt' })
        .setIssuer(issuer)
        .setSubject(accountId(i % accounts))
        .setIssuedAt(iat)
        .setExpirationTime(iat + 3600)
        .setJti(sessionId('token', i))
        .sign(key),
    ),
  );
}
