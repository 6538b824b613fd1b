/** Every email template: subject, PUBLIC_URL links with the token URL-encoded, and escaped HTML. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MailTemplate } from '../../src/core/mail/ports.js';
import { escapeHtml, renderMail, TemplateDataError } from '../../src/mail/templates/index.js';

const context = { publicUrl: 'https://accounts.example.com' };
const hostile = `<script>alert("x")</script>&'`;
const token = 'tok+/=&<>"en';

const cases: Array<{ template: MailTemplate; subject: RegExp; data: Record<string, string>; linkPath?: string }> = [
  { template: 'confirm_account', subject: /^Confirm your Latchkey account$/, data: { token, username: hostile }, linkPath: '/confirm' },
  { template: 'reset_password', subject: /reset your latchkey password/i, data: { token, username: hostile }, linkPath: '/reset' },
  { template: 'signup_attempt', subject: /^Someone tried to sign up with your address$/, data: { username: hostile } },
  { template: 'new_password', subject: /^Your new password$/, data: { password: hostile, username: hostile } },
  { template: 'password_changed', subject: /^Your password was changed$/, data: { username: hostile } },
  { template: 'account_deleted', subject: /^Your account was deleted$/, data: { username: hostile } },
];

describe('email templates', () => {
  for (const c of cases) {
    it(`${c.template}: has its subject, a text and an HTML part, and escapes every value in the HTML`, () => {
      const mail = renderMail(c.template, c.data, context);
      assert.match(mail.subject, c.subject);
      assert.ok(mail.text.length > 20 && mail.html.length > 20);
      assert.ok(!mail.html.includes('<script>'), 'raw markup from data reached the HTML');
      assert.ok(!mail.html.includes('"x"') && !mail.html.includes(`&'`), 'unescaped quote or ampersand from data');
      assert.ok(mail.html.includes(escapeHtml(hostile)), 'the escaped value is shown');
      assert.ok(mail.text.includes(hostile), 'the text part shows the value as is');
    });
  }

  for (const c of cases.filter((x) => x.linkPath)) {
    it(`SEC-50 ${c.template}: links to ${c.linkPath} on PUBLIC_URL with the token URL-encoded`, () => {
      const mail = renderMail(c.template, c.data, context);
      const expected = `https://accounts.example.com${c.linkPath}?token=${encodeURIComponent(token)}`;
      assert.equal(mail.link, expected);
      assert.ok(mail.text.includes(expected));
      assert.ok(mail.html.includes(`href="${escapeHtml(expected)}"`));
      const parsed = new URL(mail.link as string);
      assert.equal(parsed.origin, 'https://accounts.example.com');
      assert.equal(parsed.searchParams.get('token'), token);
    });

    it(`${c.template}: refuses to render without a token`, () => {
      assert.throws(() => renderMail(c.template, { username: 'ann' }, context), TemplateDataError);
    });
  }

  it('new_password puts the generated password in the body', () => {
    const mail = renderMail('new_password', { password: 'Xy7-generated-pw' }, context);
    assert.ok(mail.text.includes('Xy7-generated-pw'));
    assert.ok(mail.html.includes('Xy7-generated-pw'));
    assert.equal(mail.link, undefined);
    assert.throws(() => renderMail('new_password', {}, context), TemplateDataError);
  });

  it('greets by username only when one is given', () => {
    assert.match(renderMail('password_changed', {}, context).text, /^Hello,/);
    assert.match(renderMail('password_changed', { username: 'ann' }, context).text, /^Hello ann,/);
  });

  it('rejects an unknown template name, including Object prototype names', () => {
    assert.throws(() => renderMail('nope', {}, context), TemplateDataError);
    assert.throws(() => renderMail('toString', {}, context), TemplateDataError);
  });
});
