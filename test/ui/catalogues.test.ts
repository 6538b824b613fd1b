/** Every key of every namespace exists, as text, in every shipped language (docs/branding.md#language). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LOCALES_DIR } from '../../src/ui/index.js';
import { loadCatalogues, NAMESPACES, type Catalogue } from '../../src/ui/i18n.js';
import { LANGUAGES } from '../../src/ui/language.js';

/** `a.b.c` for every leaf; a leaf that is not a non-empty string is reported as a problem. */
function leaves(catalogue: Catalogue, prefix = '', problems: string[] = []): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(catalogue)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (typeof value === 'string') {
      if (value.trim() === '') problems.push(`${path} is empty`);
      out.set(path, value);
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of leaves(value, path, problems)) out.set(k, v);
    } else problems.push(`${path} is not text`);
  }
  return out;
}

/** `{{name}}` placeholders of one message, sorted and once each (`count` aside: a plural form may omit it). */
const placeholders = (text: string): string[] => [...new Set([...text.matchAll(/\{\{\s*([\w.]+)\s*\}\}/g)].map((m) => m[1] as string))].filter((p) => p !== 'count').sort();

/** Plural suffixes differ by language (i18next: key_one, key_other); compare the base keys. */
const base = (key: string): string => key.replace(/_(zero|one|two|few|many|other)$/, '');

describe('catalogues', () => {
  const catalogues = loadCatalogues(LOCALES_DIR);

  for (const namespace of NAMESPACES) {
    it(`${namespace}: every key is in every language, with the same placeholders`, () => {
      const problems: string[] = [];
      const byLanguage = new Map(LANGUAGES.map((language) => [language, leaves(catalogues.catalogue(language, namespace), '', problems)]));
      const allKeys = new Set([...byLanguage.values()].flatMap((m) => [...m.keys()].map(base)));
      assert.ok(allKeys.size > 0, `${namespace} has no keys`);
      for (const [language, messages] of byLanguage) {
        const keys = new Set([...messages.keys()].map(base));
        for (const key of allKeys) if (!keys.has(key)) problems.push(`${language}/${namespace}.json lacks ${key}`);
      }
      const english = byLanguage.get('en') as Map<string, string>;
      for (const [language, messages] of byLanguage) {
        for (const [key, text] of messages) {
          const reference = english.get(key) ?? english.get(`${base(key)}_other`) ?? english.get(base(key));
          if (reference !== undefined && placeholders(reference).join() !== placeholders(text).join()) {
            problems.push(`${language}/${namespace}.json ${key} has placeholders ${placeholders(text).join(', ')} but English has ${placeholders(reference).join(', ')}`);
          }
        }
      }
      assert.deepEqual(problems, []);
    });
  }

  it('looks keys up in the asked language and interpolates values without escaping (templates escape)', () => {
    assert.equal(catalogues.translator('de', 'mail')('signature', { brand: 'A & B' }), 'Ihr A & B-Team');
    assert.equal(catalogues.translator('en', 'mail')('signature', { brand: 'A & B' }), 'The A & B team');
  });
});
