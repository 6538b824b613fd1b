/** Choosing the language: ?lang= and other explicit choices, Accept-Language, DEFAULT_LANGUAGE. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { acceptedLanguages, negotiateLanguage } from '../../src/ui/language.js';

describe('language negotiation', () => {
  it('orders Accept-Language by q-value and keeps only shipped languages', () => {
    assert.deepEqual(acceptedLanguages('fr-CH, fr;q=0.9, en;q=0.8, de;q=0.85, *;q=0.5'), ['de', 'en']);
    assert.deepEqual(acceptedLanguages('de-AT'), ['de']);
    assert.deepEqual(acceptedLanguages('de;q=0, en'), ['en']);
    assert.deepEqual(acceptedLanguages('garbage;;;q=zz,,,'), []);
    assert.deepEqual(acceptedLanguages(undefined), []);
  });

  it('lets an explicit choice win, skipping unsupported ones, then Accept-Language, then the default', () => {
    assert.equal(negotiateLanguage({ explicit: ['de'], acceptLanguage: 'en' }, 'en'), 'de');
    assert.equal(negotiateLanguage({ explicit: ['xx', undefined, 'DE-ch'], acceptLanguage: 'en' }, 'en'), 'de');
    assert.equal(negotiateLanguage({ explicit: ['xx'], acceptLanguage: 'de-DE,de;q=0.9' }, 'en'), 'de');
    assert.equal(negotiateLanguage({ acceptLanguage: 'fr' }, 'de'), 'de');
    assert.equal(negotiateLanguage({}, 'en'), 'en');
  });

  it('reads a long header in bounded time and space', () => {
    const header = `${'xx;q=0.1,'.repeat(100_000)}de`;
    assert.deepEqual(acceptedLanguages(header), []);
  });
});
