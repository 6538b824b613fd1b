/** The password rules applied when a password is set (docs/security.md, SEC-1 to SEC-5), and the shipped common-password list. */
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadCommonPasswords, parseCommonPasswords } from '../../src/config/password-list.js';
import { checkNewPassword, contextWords, type PasswordContext } from '../../src/core/credentials/password-policy.js';
import type { PasswordRules } from '../../src/core/credentials/ports.js';
import { AuthError } from '../../src/core/errors.js';

const LIST = new URL('../../resources/common-passwords.txt', import.meta.url);
const rules: PasswordRules = { minLength: 8, commonPasswords: new Set(['password', 'iloveyou', 'monkey', 'sunshine1']) };
const alice: PasswordContext = { username: 'Alice', email: 'a.smith@example.com' };

const TOO_COMMON = /too common/;
const TRIVIAL = /sequence or repetition/;
const CONTEXT = /based on your username, email or the service name/;

function refusal(password: string, context: PasswordContext = alice, options: { rules?: PasswordRules } = {}): AuthError {
  try {
    checkNewPassword(password, options.rules ?? rules, context);
  } catch (err) {
    assert.ok(err instanceof AuthError, String(err));
    return err;
  }
  assert.fail(`"${password}" was accepted`);
}

function assertRefused(password: string, reason: RegExp, context: PasswordContext = alice): void {
  const err = refusal(password, context);
  assert.equal(err.code, 'WEAK_PASSWORD', `${password}: ${err.message}`);
  assert.match(err.message, reason, password);
  assert.equal(err.field, 'password');
}

describe('the shipped common-password list', () => {
  it('has at least 10,000 entries, most common first, under 200 KB, with a 3-line header naming source and licence', () => {
    const text = readFileSync(LIST, 'utf8');
    const lines = text.trimEnd().split('\n');
    assert.ok(statSync(LIST).size < 200 * 1024);
    assert.deepEqual(lines.slice(0, 3).map((l) => l.startsWith('#')), [true, true, true]);
    assert.match(lines.slice(0, 3).join('\n'), /@zxcvbn-ts\/language-common/);
    assert.match(lines.slice(0, 3).join('\n'), /MIT/);
    const entries = lines.slice(3);
    assert.ok(entries.length >= 10_000, `${entries.length} entries`);
    assert.deepEqual(entries.slice(0, 2), ['password', '12345678']);
    for (const entry of entries) {
      assert.equal(entry, entry.normalize('NFKC').toLowerCase(), entry);
      assert.notEqual(entry, '');
    }
    assert.equal(new Set(entries).size, entries.length, 'no duplicates');
  });

  it('is read once: every call returns the same set, holding every entry', () => {
    const first = loadCommonPasswords();
    assert.equal(loadCommonPasswords(), first);
    assert.ok(first.size >= 10_000);
    assert.ok(first.has('iloveyou') && first.has('sunshine') && ![...first].some((p) => p.startsWith('#')));
  });

  it('parses comments, blank lines and CRLF endings, folding case and width', () => {
    assert.deepEqual([...parseCommonPasswords('# header\r\nQwerty\r\n\r\nｐａｓｓ\n')].sort(), ['pass', 'qwerty']);
  });

  it('finds every entry of the file and nothing else: no prefix, extension, neighbour or comment', () => {
    const list = loadCommonPasswords();
    const entries = readFileSync(LIST, 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    assert.equal(list.size, entries.length);
    assert.deepEqual(entries.filter((e) => !list.has(e)), []);
    const known = new Set(entries);
    const near = entries.slice(0, 500).flatMap((e) => [e.slice(0, -1), `${e}~`, `${e}\n`, `0${e}`, e.toUpperCase()]);
    for (const word of [...near, '', '\n', '#', 'zzzzzzzzzzzzzzzzzzzz', '\uffff']) assert.equal(list.has(word), known.has(word), JSON.stringify(word));
  });
});

describe('checkNewPassword', () => {
  it('SEC-1: refuses fewer than minLength code points and accepts minLength emoji (4 UTF-8 bytes each)', () => {
    assertRefused('seven77', /at least 8 characters/);
    assert.equal(checkNewPassword('🦊🌵🎻🚲🍉🧭🐙🔑', rules, alice), '🦊🌵🎻🚲🍉🧭🐙🔑');
    assertRefused('🦊🌵🎻🚲🍉🧭🐙', /at least 8 characters/);
    assertRefused('passwor', /at least 8 characters/, {}); // the length reason comes first
  });

  it('SEC-2: over 1023 bytes or with NUL is INVALID_INPUT, before any other rule', () => {
    assert.equal(refusal('€'.repeat(342)).code, 'INVALID_INPUT');
    assert.equal(refusal('password\u0000').code, 'INVALID_INPUT');
  });

  it('SEC-3: no composition rules: passphrases, spaces and symbols are accepted as sent (NFKC), never case-folded', () => {
    for (const ok of ['correct horse battery staple x', 'alice likes blue herons', 'Tr0ub4dor&3', '  padded  phrase ', 'Café au lait!']) {
      assert.equal(checkNewPassword(ok, rules, alice), ok.normalize('NFKC'));
    }
    assert.equal(checkNewPassword('ＡＢ crane flies', rules, alice), 'AB crane flies');
  });

  it('SEC-4: refuses a listed password, whole and case-insensitively, and one with only non-letters around it', () => {
    for (const p of ['password', 'PASSWORD', 'iloveyou', 'sunshine1', 'password123!', '!!monkey2024', '2024 iloveyou']) assertRefused(p, TOO_COMMON);
    assert.equal(checkNewPassword('monkey business', rules, alice), 'monkey business');
  });

  it('SEC-4: refuses straight runs and repeated short or listed blocks', () => {
    for (const p of ['passwordpassword', '123456789012345', '9876543210', 'abcdefghij', 'zyxwvuts', 'aaaaaaaa', 'abcdabcd', '🔑🔑🔑🔑🔑🔑🔑🔑', 'monkeymonkey']) {
      assertRefused(p, TRIVIAL);
    }
    for (const ok of ['Xk9#mXk9#m', '12345679', 'abcdefgz', 'heron-heron-egret']) assert.equal(checkNewPassword(ok, rules, alice), ok);
  });

  it('SEC-4: refuses the username, its local part, the email local part or the service name with padding or repetition', () => {
    const context: PasswordContext = { username: 'Mercutio@Verona.test', email: 'q.Capulet@example.com' };
    for (const p of [
      'mercutio@verona.test',
      'MERCUTIO2024',
      'mercutio!!!',
      '2024-mercutio',
      'mercutiomercutio',
      'mercutio 1 mercutio 2',
      'q.capulet1999',
      'qcapulet!!!!',
      'latchkey123',
      'LatchKey2026!',
      'latchkeylatchkey',
    ]) {
      assertRefused(p, CONTEXT, context);
    }
    for (const ok of ['mercutio likes blue herons', 'latchkeys for mercutio', 'capulet-q-verona']) {
      assert.equal(checkNewPassword(ok, rules, context), ok);
    }
  });

  it('SEC-4: context words under 3 characters are ignored; the service name always applies', () => {
    assert.deepEqual(contextWords({ username: 'al', email: 'jo@example.com' }), ['latchkey']);
    assert.deepEqual(contextWords({ username: 'Bob.Smith@x.test', email: null }), ['latchkey', 'bob.smith@x.test', 'bobsmithxtest', 'bob.smith', 'bobsmith']);
    assert.equal(checkNewPassword('al-2024-9315', rules, { username: 'al' }), 'al-2024-9315');
    assertRefused('latchkey!!!', CONTEXT, {});
  });

  it('SEC-5: compares after NFKC normalization and lower-casing, and returns the NFKC form (not case-folded)', () => {
    assertRefused('ＰＡＳＳＷＯＲＤ１２３', TOO_COMMON);
    assertRefused('ＭＥＲＣＵＴＩＯ２０２４', CONTEXT, { username: 'mercutio' });
    assert.equal(checkNewPassword('Cafe\u0301 au lait!', rules, alice), 'Caf\u00e9 au lait!');
  });

  it('the real list refuses the ASVS examples', () => {
    const real: PasswordRules = { minLength: 8, commonPasswords: loadCommonPasswords() };
    for (const p of ['iloveyou', 'baseball', 'trustno1', 'qwertyuiop', 'passwordpassword', '123456789012345', 'P@ssw0rd!']) {
      assert.equal(refusal(p, {}, { rules: real }).code, 'WEAK_PASSWORD', p);
    }
    assert.equal(checkNewPassword('a long enough passphrase', real, {}), 'a long enough passphrase');
  });
});
