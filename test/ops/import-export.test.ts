/**
 * Moving users in and out (README, "Moving users in and out"): accounts imported with the
 * password hashes of other systems log in with their old passwords and end up on Latchkey's
 * argon2id; wrong passwords are refused; malformed lines are refused with their line number; a
 * dry run writes nothing; an import resumes; and an export with hashes of one Latchkey imports
 * into another whose users log in with the same passwords. Fixtures are made here with the same
 * libraries and primitives, plus one published test vector per format. Real argon2id; runs on
 * SQLite and, with TEST_DATABASE_URL, on PostgreSQL.
 */
import { runCli } from '../support/cli.js';
import assert from 'node:assert/strict';
import { pbkdf2Sync, randomBytes, scryptSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hash as argon2Hash } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';
import { bearer, call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';

const ADMIN_KEY = 'import-Export_admin.key~for/tests+0123456789';
const ENV = { ADMIN_API_KEY: ADMIN_KEY, LOGIN_IP_FAILURES_PER_MINUTE: '100000'};
const NATIVE = /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/;

interface Fixture {
  username: string;
  password: string;
  line: Record<string, unknown>;
}

const b64 = (b: Buffer) => b.toString('base64');

/** One user per format and variant, generated here, plus the published test vectors. */
async function fixtures(): Promise<Fixture[]> {
  const out: Fixture[] = [];
  const add = (username: string, password: string, fields: Record<string, unknown>) => out.push({ username, password, line: { username, ...fields } });
  const pw = (name: string) => `Old-${name}-Secret-${randomBytes(3).toString('hex')}`;

  // bcrypt: the three prefixes Supabase Auth (Go: $2a$), Rails (bcrypt-ruby: $2a$) and PHP ($2y$) write.
  for (const prefix of ['2a', '2b', '2y']) {
    const p = pw(`bcrypt${prefix}`);
    const salt = bcrypt.genSaltSync(4).replace(/^\$2b\$/, `$${prefix}$`);
    const h = bcrypt.hashSync(p, salt);
    assert.ok(h.startsWith(`$${prefix}$04$`), h);
    add(`bcrypt-${prefix}`, p, { passwordHash: h });
  }
  // argon2id with other parameters than this server's, and argon2i (algorithm 1).
  const pArgon2id = pw('argon2id');
  add('argon2id-old', pArgon2id, { passwordHash: await argon2Hash(pArgon2id, { algorithm: 2, memoryCost: 4096, timeCost: 1, parallelism: 1 } as never) });
  const pArgon2i = pw('argon2i');
  add('argon2i', pArgon2i, { passwordHash: await argon2Hash(pArgon2i, { algorithm: 1, memoryCost: 4096, timeCost: 3, parallelism: 1 } as never) });
  // scrypt, PHC-like ($scrypt$ln=..,r=..,p=..$salt$hash), padded and unpadded base64.
  const pScrypt = pw('scrypt');
  const sSalt = randomBytes(16);
  const sHash = scryptSync(pScrypt, sSalt, 32, { N: 2 ** 12, r: 8, p: 1 });
  add('scrypt', pScrypt, { passwordHash: `$scrypt$ln=12,r=8,p=1$${b64(sSalt).replace(/=+$/, '')}$${b64(sHash).replace(/=+$/, '')}` });
  // Django: pbkdf2_sha256$<iterations>$<salt text>$<base64 of 32 bytes>.
  const pDjango = pw('django');
  add('django', pDjango, { passwordHash: `pbkdf2_sha256$10000$Xb2fWq0aZ7$${b64(pbkdf2Sync(pDjango, 'Xb2fWq0aZ7', 10000, 32, 'sha256'))}` });
  // Keycloak: secretData / credentialData as JSON strings (its export) and as objects; sha256 and sha512.
  const pKc = pw('keycloak');
  const kcSalt = randomBytes(16);
  add('keycloak-256', pKc, {
    email: 'kc256@example.com',
    emailVerified: true,
    keycloakCredential: {
      type: 'password',
      secretData: JSON.stringify({ value: b64(pbkdf2Sync(pKc, kcSalt, 27500, 32, 'sha256')), salt: b64(kcSalt), additionalParameters: {} }),
      credentialData: JSON.stringify({ hashIterations: 27500, algorithm: 'pbkdf2-sha256', additionalParameters: {} }),
    },
  });
  const pKc512 = pw('keycloak512');
  add('keycloak-512', pKc512, {
    keycloakCredential: {
      secretData: { value: b64(pbkdf2Sync(pKc512, kcSalt, 30000, 64, 'sha512')), salt: b64(kcSalt) },
      credentialData: { hashIterations: 30000, algorithm: 'pbkdf2-sha512' },
    },
  });

  // Published vectors: pyca/bcrypt's test suite, OpenWall crypt_blowfish's, PHP's password_verify
  // manual page, passlib's argon2 and scrypt documentation, RFC 7914 section 12 (scrypt), Django's
  // test_hashers (4.2), and a Keycloak realm export whose user's password is "password".
  add('kat-bcrypt-2b', 'Kk4DQuMMfZL9o', { passwordHash: '$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm' });
  add('kat-bcrypt-2a', 'U*U', { passwordHash: '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW' });
  add('kat-bcrypt-2y', 'rasmuslerdorf', { passwordHash: '$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a' });
  add('kat-argon2i', 'password', { passwordHash: '$argon2i$v=19$m=16,t=2,p=1$ZVZWeGtzNVZqeExTVzNSOA$fx0EYEB1zO8i+J2H+OFI4w' });
  add('kat-argon2id', 'password', { passwordHash: '$argon2id$v=19$m=16,t=2,p=1$UmtRRmdBRU53QlptNk8ycw$UyyArpJ8yasrc93GImQjFQ' });
  add('kat-scrypt-passlib', 'password', { passwordHash: '$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E' });
  const rfc7914 = Buffer.from('fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640', 'hex');
  add('kat-scrypt-rfc7914', 'password', { passwordHash: `$scrypt$ln=10,r=8,p=16$${b64(Buffer.from('NaCl'))}$${b64(rfc7914)}` });
  add('kat-django', 'lètmein', { passwordHash: 'pbkdf2_sha256$600000$seasalt$OAXyhAQ/4ZDA9V5RMExt3C1OwQdUpLZ99vm1McFlLRA=' });
  add('kat-keycloak', 'password', {
    credentials: [
      {
        type: 'password',
        secretData: '{"value":"JsfNbCOIdZUbyBJ+BT+VoGI91Ec2rWLOvkLPDaX8e9k=","salt":"P5rtFkGtPfoaryJ6PizUJw==","additionalParameters":{}}',
        credentialData: '{"hashIterations":27500,"algorithm":"pbkdf2-sha256","additionalParameters":{}}',
      },
    ],
    enabled: true,
  });
  return out;
}

function jsonLines(lines: unknown[]): string {
  return lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';
}

async function loginStatus(t: TestInstance, username: string, password: string): Promise<number> {
  return (await call(t.app, 'POST', '/api/v1/account/login', { json: { username, password } })).status;
}

async function storedHash(t: TestInstance, identifier: string): Promise<string | null> {
  const account = await t.latchkey.stores.accounts.findByLoginKey(t.latchkey.stores.uow.db, identifier.toLowerCase());
  assert.ok(account, `no account ${identifier}`);
  return account.passwordHash;
}

async function accountCount(t: TestInstance): Promise<number> {
  const rows = await t.latchkey.database.db.selectFrom('accounts').select('id').execute();
  return rows.length;
}

async function importEvents(t: TestInstance): Promise<Array<Record<string, unknown>>> {
  const rows = await t.latchkey.database.db.selectFrom('audit_events').select(['detail', 'surface']).where('type', '=', 'account_import').execute();
  return rows.map((r) => ({ ...JSON.parse(r.detail ?? '{}'), surface: r.surface }));
}

describe('import and export', () => {
  let dir: string;
  let a: TestInstance;
  let b: TestInstance;
  let users: Fixture[];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'latchkey-import-'));
    a = await createTestInstance({ env: ENV, sqliteFile: join(dir, 'a.db') });
    b = await createTestInstance({ env: ENV });
    users = await fixtures();
  });
  after(async () => {
    await a?.close();
    await b?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a dry run checks every line and writes nothing', async () => {
    const file = join(dir, 'users.jsonl');
    writeFileSync(file, jsonLines(users.map((u) => u.line)));
    const before = await accountCount(a);
    const dry = await runCli(a, ['import', '--dry-run', '--json', file]);
    assert.equal(dry.status, 0, dry.err);
    const report = JSON.parse(dry.out);
    assert.equal(report.dryRun, true);
    assert.equal(report.created, users.length);
    assert.equal(report.refused, 0);
    assert.equal(await accountCount(a), before);
    assert.deepEqual(await importEvents(a), []);
  });

  it('imports every format from the CLI, in audited batches', async () => {
    const file = join(dir, 'users.jsonl');
    const res = await runCli(a, ['import', '--batch', '7', file]);
    assert.equal(res.status, 0, res.err + res.out);
    assert.match(res.out, new RegExp(`created ${users.length} account\\(s\\) \\(${users.length} with a password hash\\)`));
    const events = await importEvents(a);
    assert.equal(events.length, Math.ceil(users.length / 7));
    assert.equal(events.reduce((n, e) => n + Number(e.created), 0), users.length);
    assert.ok(events.every((e) => e.surface === 'cli'));
    // Stored as imported until the next login (a Keycloak credential in its PBKDF2 form).
    assert.match((await storedHash(a, 'keycloak-256')) ?? '', /^\$pbkdf2-sha256\$i=27500\$/);
    assert.ok((await storedHash(a, 'bcrypt-2y'))?.startsWith('$2y$04$'));
  });

  it('imported users log in with their old passwords, never a wrong one, and end up on argon2id', async () => {
    for (const u of users) {
      assert.equal(await loginStatus(a, u.username, `${u.password}-wrong`), 401, `${u.username}: wrong password`);
      assert.doesNotMatch((await storedHash(a, u.username)) ?? '', NATIVE, `${u.username} is not rehashed before a login`);
      assert.equal(await loginStatus(a, u.username, u.password), 200, `${u.username}: old password`);
      assert.match((await storedHash(a, u.username)) ?? '', NATIVE, `${u.username} rehashed`);
      assert.equal(await loginStatus(a, u.username, u.password), 200, `${u.username}: again, on argon2id`);
    }
  });

  it('keeps imported emails verified or not, as the line says', async () => {
    const verified = await call(a.app, 'GET', '/api/v1/admin/users/kc256@example.com', { headers: bearer(ADMIN_KEY) });
    assert.equal(verified.status, 200, verified.text);
    assert.notEqual(verified.body.result.user.emailVerifiedAt, null);
    const line = { username: 'unverified-mail', email: 'unverified@example.com', emailVerified: false };
    const res = await call(a.app, 'POST', '/api/v1/admin/import', { json: [line], headers: bearer(ADMIN_KEY) });
    assert.equal(res.status, 200, res.text);
    const shown = await call(a.app, 'GET', '/api/v1/admin/users/unverified@example.com', { headers: bearer(ADMIN_KEY) });
    assert.equal(shown.body.result.user.emailVerifiedAt, null);
  });

  it('refuses malformed hashes and identifiers with a line-numbered reason and imports the rest', async () => {
    const lines = [
      { username: 'ok-one', passwordHash: bcrypt.hashSync('Fine-Password-1', 4) },
      { username: 'short-bcrypt', passwordHash: '$2b$04$tooShort' },
      { username: 'bad-argon2', passwordHash: '$argon2id$v=19$m=abc,t=1,p=1$c2FsdHNhbHQ$aGFzaA' },
      { username: 'bad-scrypt', passwordHash: '$scrypt$ln=30,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA' },
      { username: 'sha1-django', passwordHash: 'pbkdf2_sha1$1000$salt$aGFzaA==' },
      { username: 'md5', passwordHash: '5f4dcc3b5aa765d61d8327deb882cf99' },
      { username: 'kc-sha1', keycloakCredential: { secretData: '{"value":"aGFzaA==","salt":"c2FsdA=="}', credentialData: '{"hashIterations":1,"algorithm":"pbkdf2"}' } },
      'not json',
      { username: 'bad email', email: 'nobody' },
      { username: 'ok-one' },
      { username: 'bcrypt-2a' },
      { email: 'OK-Two@Example.com', passwordHash: bcrypt.hashSync('Fine-Password-2', 4), emailVerified: true },
      { username: 'too-costly', passwordHash: `$2b$16$${'a'.repeat(53)}` },
    ];
    const res = await call(a.app, 'POST', '/api/v1/admin/import', { payload: jsonLines(lines), headers: { ...bearer(ADMIN_KEY), 'content-type': 'application/x-ndjson' } });
    assert.equal(res.status, 200, res.text);
    const report = res.body.result;
    assert.equal(report.created, 2, JSON.stringify(report));
    assert.deepEqual(
      report.refusals.map((r: { line: number }) => r.line),
      [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13],
    );
    const reason = (line: number) => report.refusals.find((r: { line: number }) => r.line === line).reason as string;
    assert.match(reason(2), /bcrypt/);
    assert.match(reason(3), /argon2/);
    assert.match(reason(4), /scrypt/);
    assert.match(reason(5), /pbkdf2_sha256/);
    assert.match(reason(6), /unknown password hash format/);
    assert.match(reason(7), /keycloak algorithm "pbkdf2"/);
    assert.match(reason(8), /not valid JSON/);
    assert.match(reason(9), /username|email/);
    assert.match(reason(10), /line 1/);
    assert.match(reason(11), /already in use/);
    assert.match(reason(13), /bcrypt cost must be 04 to 15/);
    assert.equal(await loginStatus(a, 'ok-two@example.com', 'Fine-Password-2'), 200);
    for (const refused of ['short-bcrypt', 'md5', 'kc-sha1']) assert.equal(await loginStatus(a, refused, 'anything'), 401);
  });

  it('resumes: existing accounts are refused without --resume and skipped with it', async () => {
    const file = join(dir, 'users.jsonl');
    const again = await runCli(a, ['import', '--json', file]);
    assert.equal(again.status, 1);
    assert.equal(JSON.parse(again.out).refused, users.length);
    const resumed = await runCli(a, ['import', '--resume', '--json', file]);
    assert.equal(resumed.status, 0, resumed.out);
    assert.deepEqual([JSON.parse(resumed.out).created, JSON.parse(resumed.out).skipped], [0, users.length]);
  });

  it('limits the size of an import body', async () => {
    const big = 'x'.repeat(8 * 1024 * 1024 + 10);
    const res = await call(a.app, 'POST', '/api/v1/admin/import', { payload: big, headers: { ...bearer(ADMIN_KEY), 'content-type': 'application/x-ndjson' } });
    assert.equal(res.status, 413);
    const notAuthed = await call(a.app, 'POST', '/api/v1/admin/import', { json: [], headers: {} });
    assert.equal(notAuthed.status, 401);
  });

  it('exports without hashes unless asked, and an export with hashes imports into another Latchkey', async () => {
    // One user who never logged in keeps a foreign hash through the move.
    const pending = { username: 'not-yet-moved', password: 'Never-Logged-In-9' };
    const line = { username: pending.username, passwordHash: bcrypt.hashSync(pending.password, 4) };
    const moved = await call(a.app, 'POST', '/api/v1/admin/import', { json: [line], headers: bearer(ADMIN_KEY) });
    assert.equal(moved.body.result?.created, 1, moved.text);

    const plain = await runCli(a, ['export', join(dir, 'plain.jsonl')]);
    assert.equal(plain.status, 0, plain.err);
    const plainText = readFileSync(join(dir, 'plain.jsonl'), 'utf8');
    assert.doesNotMatch(plainText, /passwordHash/);
    const exported = await runCli(a, ['export', '--with-hashes', '--sessions', join(dir, 'all.jsonl')]);
    assert.equal(exported.status, 0, exported.err);
    assert.match(exported.err, /with password hashes/);
    const text = readFileSync(join(dir, 'all.jsonl'), 'utf8');
    const accounts = text.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(accounts.length, await accountCount(a));
    assert.ok(accounts.some((x) => Array.isArray(x.sessions) && x.sessions.length > 0));
    const audit = await a.latchkey.database.db.selectFrom('audit_events').select('detail').where('type', '=', 'account_export').execute();
    assert.deepEqual(audit.map((r) => JSON.parse(r.detail ?? '{}').withHashes), [false, true]);

    const res = await call(b.app, 'POST', '/api/v1/admin/import', { payload: text, headers: { ...bearer(ADMIN_KEY), 'content-type': 'application/x-ndjson' } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.result.refused, 0, JSON.stringify(res.body.result.refusals));
    assert.equal(res.body.result.created, accounts.length);
    for (const u of [...users, pending]) {
      assert.equal(await loginStatus(b, u.username, u.password), 200, `${u.username} on B`);
      assert.equal(await loginStatus(b, u.username, `${u.password}x`), 401);
    }
    assert.match((await storedHash(b, pending.username)) ?? '', NATIVE);
    // The admin API's export is the same lines (ids, identifiers, hashes).
    const viaApi = await call(b.app, 'GET', '/api/v1/admin/export?withHashes=true', { headers: bearer(ADMIN_KEY) });
    assert.equal(viaApi.status, 200);
    assert.match(String(viaApi.headers['content-type']), /application\/x-ndjson/);
    const ids = viaApi.text.trim().split('\n').map((l) => JSON.parse(l).id).sort();
    assert.deepEqual(ids, accounts.map((x) => x.id).sort());
  });
  it('carries each account language through export and import, and refuses a language not shipped', async () => {
    const lines = [{ username: 'lang-de', locale: 'de' }, { username: 'lang-none', locale: null }, { username: 'lang-xx', locale: 'xx' }, { username: 'lang-number', locale: 5 }];
    const res = await call(a.app, 'POST', '/api/v1/admin/import', { json: lines, headers: bearer(ADMIN_KEY) });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.result.created, 2);
    assert.deepEqual(res.body.result.refusals, [
      { line: 3, reason: 'locale "xx" is not a language this server ships (en, de)' },
      { line: 4, reason: 'locale "5" is not a language this server ships (en, de)' },
    ]);
    const view = async (t: TestInstance, ref: string) => (await call(t.app, 'GET', `/api/v1/admin/users/${ref}`, { headers: bearer(ADMIN_KEY) })).body.result.user.locale;
    assert.equal(await view(a, 'lang-de'), 'de', 'the admin view shows it');
    assert.equal(await view(a, 'lang-none'), null);
    const listed = await call(a.app, 'GET', '/api/v1/admin/users?limit=500', { headers: bearer(ADMIN_KEY) });
    assert.equal(listed.body.result.users.find((u: { username: string }) => u.username === 'lang-de').locale, 'de');
    const shown = await runCli(a, ['user', 'show', 'lang-de']);
    assert.match(shown.out, /^language:\s+de$/m, `latchkey user show exited ${shown.status}: ${shown.err}`);

    const file = join(dir, 'languages.jsonl');
    assert.equal((await runCli(a, ['export', file])).status, 0);
    const exported = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const de = exported.find((x) => x.username === 'lang-de');
    assert.equal(de.locale, 'de');
    assert.equal('locale' in exported.find((x) => x.username === 'lang-none'), false, 'no stored language, no field');
    const into = await call(b.app, 'POST', '/api/v1/admin/import', { json: [de], headers: bearer(ADMIN_KEY) });
    assert.equal(into.body.result.created, 1, into.text);
    assert.equal(await view(b, 'lang-de'), 'de', 'the other Latchkey stores it');
  });
});
