/**
 * The start-up summary of `latchkey serve` (README, "Quick start"): where everything is, which
 * optional parts are on, and never a password from DATABASE_URL, SMTP_URL or REDIS_URL.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { formatSummary, startupFacts } from '../../src/cli/startup-summary.js';

const BASE = { PUBLIC_URL: 'https://auth.example.test', JWT_ISSUER: 'https://auth.example.test' };

describe('the start-up summary', () => {
  it('names the database, the dev outbox and every optional part as off by default', () => {
    const config = loadConfig({ ...BASE, DATABASE_URL: 'sqlite::memory:' });
    const facts = new Map(startupFacts(config, 'http://127.0.0.1:3000', { devMail: true }));
    assert.match(facts.get('Mail') ?? '', /dev outbox: mail is not sent.*\/dev\/mail/);
    assert.match(facts.get('Admin API') ?? '', /^off/);
    assert.match(facts.get('Return to apps') ?? '', /^off: return_to is ignored/);
    assert.match(facts.get('OIDC provider') ?? '', /^off/);
  });

  it('shows what is on, and no password of any URL', () => {
    const config = loadConfig({
      ...BASE,
      DATABASE_URL: 'postgres://latchkey:db-secret-pw@db.example.test:5432/latchkey',
      SMTP_URL: 'smtp://mailer:smtp-secret-pw@mail.example.test:587',
      REDIS_URL: 'redis://:redis-secret-pw@cache.example.test:6379',
      RETURN_TO_ORIGINS: 'https://app.example.test',
      OIDC_PROVIDER: 'on',
    });
    const facts = startupFacts(config, 'http://127.0.0.1:3000', { devMail: false });
    const text = formatSummary(facts, [], { color: false, version: '0.0.0' });
    for (const secret of ['db-secret-pw', 'smtp-secret-pw', 'redis-secret-pw']) assert.equal(text.includes(secret), false, `${secret} shown`);
    assert.match(text, /db\.example\.test/);
    assert.match(text, /SMTP mail\.example\.test:587/);
    assert.match(text, /allowed: https:\/\/app\.example\.test/);
    assert.match(text, /OIDC provider.*on: https:\/\/auth\.example\.test\/\.well-known\/openid-configuration/);
  });
});
