/** Promo codes: added by operators (service and `latchkey promo`), redeemed at email sign-up. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isAuthError } from '../../src/core/errors.js';
import { parseExpiry } from '../../src/cli/commands/promo.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { countRows, mailTo } from './outbox-reader.js';

const invalidField = (field: string) => (err: unknown) => isAuthError(err, 'INVALID_INPUT') && err.field === field;

describe('promo codes in the service', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast' });
  });
  after(() => t.close());

  it('adds codes (upper-cased), refuses duplicates and malformed input, lists newest first', async () => {
    const first = await t.service.addPromoCode({ code: 'launch-2027', maxUses: 2, note: 'launch week' });
    assert.deepEqual({ ...first, createdAt: 0 }, { code: 'LAUNCH-2027', maxUses: 2, uses: 0, expiresAt: null, note: 'launch week', createdAt: 0 });
    t.clock.advance(1000);
    await t.service.addPromoCode({ code: 'SOON', expiresAt: t.clock.now() + 60_000 });
    await assert.rejects(t.service.addPromoCode({ code: 'Launch-2027' }), invalidField('code'));
    for (const code of ['', 'has space', 'x'.repeat(65), 'semi;colon']) await assert.rejects(t.service.addPromoCode({ code }), invalidField('code'));
    await assert.rejects(t.service.addPromoCode({ code: 'ZERO', maxUses: 0 }), invalidField('maxUses'));
    await assert.rejects(t.service.addPromoCode({ code: 'NOTE', note: 'a\nb' }), invalidField('note'));
    assert.deepEqual((await t.service.listPromoCodes()).map((p) => p.code), ['SOON', 'LAUNCH-2027']);
  });

  it('sign-up redeems a code up to its limit; unknown, used-up or expired codes are INVALID_INPUT (promo)', async () => {
    await t.service.signUpWithEmail({ email: 'p1@example.com', promo: 'launch-2027' });
    await t.service.signUpWithEmail({ email: 'p2@example.com', promo: 'LAUNCH-2027' });
    const before = await countRows(t, 'accounts');
    await assert.rejects(t.service.signUpWithEmail({ email: 'p3@example.com', promo: 'LAUNCH-2027' }), invalidField('promo'));
    await assert.rejects(t.service.signUpWithEmail({ email: 'p3@example.com', promo: 'NO-SUCH-CODE' }), invalidField('promo'));
    t.clock.advance(61_000);
    await assert.rejects(t.service.signUpWithEmail({ email: 'p3@example.com', promo: 'SOON' }), invalidField('promo'));
    assert.equal(await countRows(t, 'accounts'), before, 'a refused promo creates nothing');
    assert.equal((await mailTo(t, 'p3@example.com', 'confirm_account')).length, 0);
    const row = await t.latchkey.database.db.selectFrom('accounts').select('promo_code').where('email_key', '=', 'p1@example.com').executeTakeFirstOrThrow();
    assert.equal(row.promo_code, 'LAUNCH-2027');
    assert.equal((await t.service.listPromoCodes()).find((p) => p.code === 'LAUNCH-2027')?.uses, 2);
  });

  it('concurrent sign-ups never use a code past its limit', async () => {
    await t.service.addPromoCode({ code: 'FIVE', maxUses: 5 });
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => t.service.signUpWithEmail({ email: `five${i}@example.com`, promo: 'FIVE' })));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 5);
    assert.equal((await t.service.listPromoCodes()).find((p) => p.code === 'FIVE')?.uses, 5);
  });
});

describe('latchkey promo', () => {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-promo-'));
  const env = { ...process.env, DATABASE_URL: `sqlite:${join(dir, 'promo.db')}` };
  const cli = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env, encoding: 'utf8', timeout: 30_000 });
  before(() => assert.equal(cli(['migrate']).status, 0));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('adds and lists codes as text and JSON', () => {
    const added = cli(['promo', 'add', 'spring', '--max-uses', '10', '--expires', '2027-03-31', '--note', 'spring sale', '--json']);
    assert.equal(added.status, 0, added.stderr);
    assert.deepEqual(
      { ...JSON.parse(added.stdout), createdAt: 'x' },
      { code: 'SPRING', maxUses: 10, uses: 0, expiresAt: '2027-03-31T23:59:59.999Z', note: 'spring sale', createdAt: 'x' },
    );
    const text = cli(['promo', 'list']);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /^SPRING {2}uses 0\/10 {2}expires 2027-03-31T23:59:59.999Z {2}spring sale$/m);
    const json = cli(['promo', 'list', '--json']);
    assert.equal(JSON.parse(json.stdout)[0].code, 'SPRING');
  });

  it('--expires 2027-01-31 means the end of that UTC day, shown as that day, not the next', () => {
    assert.equal(new Date(parseExpiry('2027-01-31')).toISOString(), '2027-01-31T23:59:59.999Z');
    assert.ok(parseExpiry('2027-01-31') > Date.parse('2027-01-31T23:59:59Z'), 'usable in the last second of the day');
  });

  it('prints help, and one line with exit 2 for bad arguments or a duplicate code', () => {
    const help = cli(['promo', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /latchkey promo add CODE/);
    for (const args of [
      ['promo'],
      ['promo', 'frob'],
      ['promo', 'add'],
      ['promo', 'add', 'X', '--max-uses', 'lots'],
      ['promo', 'add', 'X', '--expires', '2027-02-30'],
      ['promo', 'add', 'X', '--note'],
      ['promo', 'add', 'X', 'Y'],
      ['promo', 'list', '--all'],
      ['promo', 'add', 'SPRING'],
      ['promo', 'add', 'bad code'],
    ]) {
      const r = cli(args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });
});
