/** Mail configuration: SMTP_URL, MAIL_FROM and OUTBOX_POLL_INTERVAL. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/index.js';

describe('mail configuration', () => {
  it('defaults to the dev outbox, a localhost sender and a 2 s poll', () => {
    const config = loadConfig({});
    assert.equal(config.smtpUrl, null);
    assert.equal(config.mailFrom, 'Latchkey <no-reply@localhost>');
    assert.equal(config.outboxPollIntervalMs, 2000);
  });

  it('accepts smtp:// and smtps:// URLs with credentials, and durations for the poll', () => {
    assert.equal(loadConfig({ SMTP_URL: 'smtp://u:p@mail.example.com:587' }).smtpUrl, 'smtp://u:p@mail.example.com:587');
    assert.equal(loadConfig({ SMTP_URL: 'smtps://mail.example.com' }).smtpUrl, 'smtps://mail.example.com');
    assert.equal(loadConfig({ OUTBOX_POLL_INTERVAL: '1m' }).outboxPollIntervalMs, 60_000);
  });

  it('rejects a bad SMTP_URL with one line that never echoes the password', () => {
    for (const bad of ['http://user:hunter2secret@mail.example.com', 'smtp//user:hunter2secret@x', 'user:hunter2secret']) {
      assert.throws(
        () => loadConfig({ SMTP_URL: bad }),
        (err: unknown) => err instanceof ConfigError && /^SMTP_URL /.test(err.message) && !err.message.includes('hunter2secret') && !err.message.includes('\n'),
      );
    }
  });

  it('SEC-55 rejects a MAIL_FROM with CR or LF (header injection) or without an address', () => {
    for (const bad of ['Latchkey <a@b.c>\r\nBcc: victim@x.y', 'a@b.c\nBcc: v@x.y', 'Latchkey']) {
      assert.throws(() => loadConfig({ MAIL_FROM: bad }), (err: unknown) => err instanceof ConfigError && /^MAIL_FROM /.test(err.message) && !err.message.includes('\n'));
    }
    assert.equal(loadConfig({ MAIL_FROM: 'Accounts <accounts@example.com>' }).mailFrom, 'Accounts <accounts@example.com>');
  });

  it('rejects a poll interval that is not a duration', () => {
    assert.throws(() => loadConfig({ OUTBOX_POLL_INTERVAL: '0.5s' }), /OUTBOX_POLL_INTERVAL/);
    assert.throws(() => loadConfig({ OUTBOX_POLL_INTERVAL: '0' }), /OUTBOX_POLL_INTERVAL/);
  });
});
