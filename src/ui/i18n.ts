/**
 * The catalogues (docs/branding.md#language): i18next over the JSON files in `locales/<language>/
 * <namespace>.json`, every language and namespace read once at start-up. Interpolated values are
 * not escaped here: the templates escape everything they print (src/ui/templates.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInstance, type i18n } from 'i18next';
import { LANGUAGES, type Language } from '../config/brand.js';

/** The catalogue namespaces: one per kind of output. */
export const NAMESPACES = ['pages', 'mail'] as const;
export type Namespace = (typeof NAMESPACES)[number];

/** Values a message may interpolate (`{{name}}`), and `count` for plurals. */
export type MessageValues = Record<string, string | number>;

/** Looks a key up in one language and namespace; a missing key is returned as the key itself. */
export type Translate = (key: string, values?: MessageValues) => string;

/** A nested catalogue as stored in a JSON file. */
export type Catalogue = { [key: string]: string | Catalogue };

export interface Catalogues {
  /** The lookup function for one language and namespace. */
  translator(language: Language, namespace: Namespace): Translate;
  /** The raw catalogue (for the completeness test and tooling). */
  catalogue(language: Language, namespace: Namespace): Catalogue;
}

/** Reads every catalogue under `localesDir` and builds the translator; throws on a missing or bad file. */
export function loadCatalogues(localesDir: string): Catalogues {
  const resources: Record<string, Record<string, Catalogue>> = {};
  for (const language of LANGUAGES) {
    resources[language] = {};
    for (const namespace of NAMESPACES) {
      const file = join(localesDir, language, `${namespace}.json`);
      (resources[language] as Record<string, Catalogue>)[namespace] = JSON.parse(readFileSync(file, 'utf8')) as Catalogue;
    }
  }
  const instance: i18n = createInstance();
  void instance.init({
    resources,
    lng: 'en',
    fallbackLng: 'en',
    supportedLngs: [...LANGUAGES],
    ns: [...NAMESPACES],
    defaultNS: 'pages',
    initAsync: false,
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  const cache = new Map<string, Translate>();
  return {
    translator(language, namespace) {
      const id = `${language}:${namespace}`;
      let translate = cache.get(id);
      if (translate === undefined) {
        const fixed = instance.getFixedT(language, namespace);
        translate = (key, values) => String(fixed(key, values ?? {}));
        cache.set(id, translate);
      }
      return translate;
    },
    catalogue: (language, namespace) => (resources[language] as Record<string, Catalogue>)[namespace] as Catalogue,
  };
}
