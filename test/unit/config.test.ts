/** Configuration: defaults, and one clear line naming the variable for every bad value. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/index.js';

describe('configuration', () => {
  it('has working defaults: port 3000, SQLite under ./data, 15-minute access tokens', () => {
    const c = loadConfig({});
    assert.equal(c.port, 3000);
    assert.equal(c.databaseUrl, 'sqlite:./data/latchkey.db');
    assert.equal(c.publicUrl, 'http://localhost:3000');
    assert.equal(c.accessTokenTtl, 900);
    assert.equal(c.refreshReuseGrace, 10);
    assert.deepEqual(c.argon2, { memoryKib: 19456, timeCost: 2, parallelism: 1 });
    assert.equal(c.passwordMinLength, 8);
  });

  it('reads durations with units', () => {
    const c = loadConfig({ ACCESS_TOKEN_TTL: '10m', REFRESH_TOKEN_IDLE_TTL: '2d', SESSION_IDLE_TTL: '3600', REFRESH_REUSE_GRACE: '0' });
    assert.equal(c.accessTokenTtl, 600);
    assert.equal(c.refreshIdleTtl, 172800);
    assert.equal(c.sessionIdleTtl, 3600);
    assert.equal(c.refreshReuseGrace, 0);
  });

  it('normalizes PUBLIC_URL to its origin and uses it as the default issuer', () => {
    const c = loadConfig({ PUBLIC_URL: 'https://accounts.example.com/' });
    assert.equal(c.publicUrl, 'https://accounts.example.com');
    assert.equal(c.jwtIssuer, 'https://accounts.example.com');
  });

  const bad: Array<[Record<string, string>, RegExp]> = [
    [{ PORT: 'eighty' }, /^PORT must be a whole number \(got "eighty"\)$/],
    [{ PORT: '70000' }, /^PORT must be between 0 and 65535/],
    [{ ACCESS_TOKEN_TTL: 'soon' }, /^ACCESS_TOKEN_TTL must be a duration/],
    [{ ACCESS_TOKEN_TTL: '0' }, /^ACCESS_TOKEN_TTL must be between 1 and 86400 seconds/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent/],
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL must start with sqlite: or postgres:\/\//],
    [{ PUBLIC_URL: 'accounts.example.com' }, /^PUBLIC_URL must be an absolute http\(s\) URL/],
    [{ PUBLIC_URL: 'https://example.com/accounts' }, /^PUBLIC_URL must be an origin only/],
    [{ ARGON2_MEMORY_KIB: '1024' }, /^ARGON2_MEMORY_KIB must be between 19456/],
    [{ PASSWORD_MIN_LENGTH: '6' }, /^PASSWORD_MIN_LENGTH must be between 8 and 1023/],
  ];
  for (const [env, message] of bad) {
    it(`refuses ${JSON.stringify(env)} with one line naming the variable`, () => {
      assert.throws(
        () => loadConfig(env),
        (e) => e instanceof ConfigError && message.test(e.message) && !e.message.includes('\n'),
      );
    });
  }
});
