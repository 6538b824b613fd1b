/**
 * Every email template in every shipped language: subject, a button whose text says what it
 * does, the address as text below it, a plain-text part, PUBLIC_URL links with the token
 * URL-encoded, escaped HTML, and the brand instead of "Latchkey" when BRAND_NAME is set.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readBrandConfig } from '../../src/config/brand.js';
import type { MailTemplate } from '../../src/core/outbox/ports.js';
import { createMailRenderer, MESSAGES, TemplateDataError } from '../../src/mail/templates/index.js';
import { createUi, LANGUAGES } from '../../src/ui/index.js';

const publicUrl = 'https://accounts.example.com';
const hostile = `<script>alert("x")</script>&'`;
const token = 'tok+/=&<>"en';
const escaped = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

function renderer(env: Record<string, string> = {}) {
  return createMailRenderer(createUi({ brand: readBrandConfig(env), publicUrl }), publicUrl);
}

/** Data each template needs, with a hostile username everywhere. */
const DATA: Record<MailTemplate, Record<string, string>> = {
  confirm_account: { token, username: hostile },
  reset_password: { token, username: hostile },
  confirm_email_change: { token, username: hostile },
  signup_attempt: { username: hostile },
  new_password: { password: hostile, username: hostile },
  password_changed: { username: hostile },
  account_deleted: { username: hostile },
  email_change_notice: { stage: 'requested', username: hostile },
  email_in_use: { username: hostile },
  second_factor_changed: { change: 'totp_off', username: hostile },
  recovery_code_used: { left: '3', username: hostile },
};

const LINK_PATHS: Partial<Record<MailTemplate, string>> = { confirm_account: '/confirm', reset_password: '/reset', confirm_email_change: '/email/confirm' };

/** The button: an <a> styled as a button (it has a background) and its visible text. */
function button(html: string): { href: string; label: string } {
  const m = /<a href="([^"]+)" style="display:inline-block;[^"]*background:[^"]+">([^<]+)<\/a>/.exec(html);
  assert.ok(m, 'no button link in the HTML');
  return { href: (m[1] as string).replace(/&amp;/g, '&'), label: m[2] as string };
}

describe('email templates', () => {
  const acme = renderer({ BRAND_NAME: 'Acme Cloud', BRAND_COLOR: '#ffcc00' });

  for (const template of Object.keys(MESSAGES) as MailTemplate[]) {
    for (const language of LANGUAGES) {
      it(`${template} (${language}): a branded subject, a button saying what it does, the address as text, a text part, escaped values`, () => {
        const mail = acme.render(template, DATA[template], language);
        assert.equal(mail.language, language);
        assert.match(mail.text, /Acme Cloud/, 'the brand is not in the text');
        assert.match(mail.html, /Acme Cloud/, 'the brand is not in the HTML');
        assert.ok(!/Latchkey/i.test(mail.subject + mail.text + mail.html), 'the default name shows through the brand');
        assert.match(mail.html, new RegExp(`<html lang="${language}">`));
        const { href, label } = button(mail.html);
        assert.ok(href.startsWith(`${publicUrl}/`), `button goes to ${href}`);
        assert.ok(!label.includes('http'), 'the button text is the raw URL');
        assert.ok(label.length > 2);
        assert.ok(mail.html.includes(`${escaped(href)}</a></p>`), 'the address is not given as text under the button');
        assert.ok(mail.text.includes(`${label}:\n${href}\n`), 'the text part lacks the action and its address');
        assert.ok(!mail.html.includes('<script>') && !mail.html.includes('"x"'), 'raw markup from data reached the HTML');
        assert.ok(mail.html.includes(escaped(hostile)), 'the escaped value is shown');
        assert.ok(mail.text.includes(hostile) && !mail.text.includes('&lt;'), 'the text part shows the value as typed');
        assert.ok(!/[<>]/.test(mail.text.replaceAll(hostile, '')), 'markup in the text part');
        assert.ok(!/\{\{|\b[a-z]+[A-Z][a-zA-Z]*\.[a-z]+\b/.test(mail.subject + mail.text), 'a catalogue key or placeholder shows');
      });
    }
  }

  for (const [template, path] of Object.entries(LINK_PATHS) as Array<[MailTemplate, string]>) {
    it(`SEC-50 ${template}: the button links to ${path} on PUBLIC_URL with the token URL-encoded`, () => {
      const mail = acme.render(template, DATA[template], 'en');
      const expected = `${publicUrl}${path}?token=${encodeURIComponent(token)}`;
      assert.equal(mail.link, expected);
      assert.equal(button(mail.html).href, expected);
      assert.ok(mail.text.includes(expected));
      assert.equal(new URL(mail.link as string).searchParams.get('token'), token);
      assert.throws(() => acme.render(template, { username: 'ann' }, 'en'), TemplateDataError);
    });
  }

  it('writes German for a German message and the default language for an unknown or missing one', () => {
    const plain = renderer();
    assert.equal(plain.render('password_changed', {}, 'de').subject, 'Ihr Passwort wurde geändert');
    assert.equal(plain.render('password_changed', {}, null).subject, 'Your password was changed');
    assert.equal(plain.render('password_changed', {}, 'xx').language, 'en');
    assert.equal(renderer({ DEFAULT_LANGUAGE: 'de' }).render('password_changed', {}, null).language, 'de');
  });

  it('shows the logo with the brand name as its text alternative when one is set', () => {
    const mail = renderer({ BRAND_NAME: 'Acme', BRAND_LOGO_URL: 'https://cdn.example.com/logo.png' }).render('account_deleted', {}, 'en');
    assert.match(mail.html, /<img src="https:\/\/cdn\.example\.com\/logo\.png" alt="Acme"/);
  });

  it('new_password shows the generated password; recovery_code_used counts in the plural of the language', () => {
    const plain = renderer();
    const mail = plain.render('new_password', { password: 'Xy7-generated-pw' }, 'en');
    assert.ok(mail.text.includes('Xy7-generated-pw') && mail.html.includes('<code>Xy7-generated-pw</code>'));
    assert.equal(mail.link, undefined);
    assert.throws(() => plain.render('new_password', {}, 'en'), TemplateDataError);
    assert.match(plain.render('recovery_code_used', { left: '1' }, 'en').text, /1 unused code is left/);
    assert.match(plain.render('recovery_code_used', { left: '0' }, 'de').text, /0 unbenutzte Codes sind übrig/);
  });

  it('greets by username only when one is given', () => {
    assert.match(renderer().render('password_changed', {}, 'en').text, /^Hello,\n/);
    assert.match(renderer().render('password_changed', { username: 'ann' }, 'de').text, /^Hallo ann,\n/);
  });

  it('rejects an unknown template name (Object prototype names too) and data it cannot show', () => {
    const plain = renderer();
    assert.throws(() => plain.render('nope', {}, 'en'), TemplateDataError);
    assert.throws(() => plain.render('toString', {}, 'en'), TemplateDataError);
    assert.throws(() => plain.render('second_factor_changed', { change: 'constructor' }, 'en'), TemplateDataError);
    assert.throws(() => plain.render('email_change_notice', { stage: 'other' }, 'en'), TemplateDataError);
    assert.throws(() => plain.render('recovery_code_used', { left: '1e9' }, 'en'), TemplateDataError);
  });
});
