/**
 * The presentation layer shared by the pages (src/http) and the emails (src/mail): catalogues,
 * language choice, templates and the brand (docs/architecture.md, "Layers"; docs/branding.md).
 * Built once at start-up by `createUi(config)`; every render is then synchronous and in memory.
 */
import type { BrandConfig } from '../config/brand.js';
import { packagePath } from '../config/package-root.js';
import { brandView, type BrandView } from './brand.js';
import { loadCatalogues, type Catalogues, type MessageValues, type Namespace, type Translate } from './i18n.js';
import { negotiateLanguage, type Language, type LanguageSources } from './language.js';
import { createRenderer, type Renderer } from './templates.js';

export { BRAND_CSS_PATH, BRAND_LOGO_PATH, brandView, type BrandView } from './brand.js';
export { NAMESPACES, type MessageValues, type Namespace, type Translate } from './i18n.js';
export { acceptedLanguages, isLanguage, LANGUAGES, matchLanguage, negotiateLanguage, type Language, type LanguageSources } from './language.js';
export { TemplateError, TemplateNotFound } from './templates.js';
export { deviceName } from './device.js';
export { relativeTime, utcTime } from './time.js';

/** The repository's shipped catalogues and templates. */
export const LOCALES_DIR = packagePath('locales/');
export const TEMPLATES_DIR = packagePath('templates/');

/** What every template gets as `it`, besides the caller's own data. */
export interface TemplateContext {
  /** The language of this output (`<html lang>`). */
  lang: Language;
  /** The brand (src/ui/brand.ts). */
  brand: BrandView;
  /** The catalogue lookup in `lang`, in the namespace of the template's folder (`pages/…` → pages). */
  t: Translate;
}

export interface Ui {
  /** The brand for pages (same-origin asset paths). */
  readonly brand: BrandView;
  /** The brand for emails (asset addresses under PUBLIC_URL). */
  readonly mailBrand: BrandView;
  /** DEFAULT_LANGUAGE. */
  readonly defaultLanguage: Language;
  /** Catalogue lookup. */
  t(language: Language, namespace: Namespace, key: string, values?: MessageValues): string;
  /** The lookup function for one language and namespace. */
  translator(language: Language, namespace: Namespace): Translate;
  /** negotiateLanguage with DEFAULT_LANGUAGE as the fallback. */
  language(sources: LanguageSources): Language;
  /** Renders `name` (`pages/login`, `mail/confirm`) in `language` with `data` added to the context. */
  render(name: string, language: Language, data?: object): string;
}

export interface UiOptions {
  brand: BrandConfig;
  publicUrl: string;
  /** Tests only: other shipped folders. */
  localesDir?: string;
  templatesDir?: string;
}

/** Loads every catalogue and prepares the renderer; throws when a shipped catalogue is missing. */
export function createUi(options: UiOptions): Ui {
  const catalogues: Catalogues = loadCatalogues(options.localesDir ?? LOCALES_DIR);
  const renderer: Renderer = createRenderer({ shippedDir: options.templatesDir ?? TEMPLATES_DIR, overrideDir: options.brand.templatesDir });
  const pageBrand = brandView(options.brand);
  const mailBrand = brandView(options.brand, options.publicUrl);
  const defaultLanguage = options.brand.defaultLanguage;
  return {
    brand: pageBrand,
    mailBrand,
    defaultLanguage,
    t: (language, namespace, key, values) => catalogues.translator(language, namespace)(key, values),
    translator: (language, namespace) => catalogues.translator(language, namespace),
    language: (sources) => negotiateLanguage(sources, defaultLanguage),
    render(name, language, data = {}) {
      const namespace: Namespace = name.replace(/^\/+/, '').startsWith('mail/') ? 'mail' : 'pages';
      const context: TemplateContext = {
        lang: language,
        brand: namespace === 'mail' ? mailBrand : pageBrand,
        t: catalogues.translator(language, namespace),
      };
      return renderer.render(name, { ...context, ...data });
    },
  };
}
