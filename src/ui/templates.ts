/**
 * The template renderer (docs/branding.md#templates): eta templates, escaped by default
 * (`<%= %>` escapes, `<%~ %>` prints markup as is, for already rendered parts only). A template is
 * named by its path under the templates folder without `.eta` (`pages/login`, `mail/confirm`);
 * a file of the same name under TEMPLATES_DIR replaces the shipped one. Names are resolved once
 * and compiled templates are cached, so files are read at first use only. A name ending in `.txt`
 * (`mail/confirm-account.txt`) is plain text (docs/branding.md#templates): nothing is HTML-escaped
 * and line breaks are kept as written (`-%>` drops the one after a tag).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import { Eta } from 'eta';
import { escapeValue } from './escape.js';

export interface RendererOptions {
  /** The shipped templates (the repository's `templates/`). */
  shippedDir: string;
  /** TEMPLATES_DIR: replacements for shipped templates; null: none. */
  overrideDir: string | null;
}

export interface Renderer {
  /** Renders the template `name` (e.g. `pages/login`) with `data` as `it`. */
  render(name: string, data: object): string;
  /** The file a template name resolves to (the override when there is one). */
  fileOf(name: string): string;
}

export class TemplateNotFound extends Error {
  override name = 'TemplateNotFound';
}

/** A template in TEMPLATES_DIR that does not compile: found at start-up, not by a visitor. */
export class TemplateError extends Error {
  override name = 'TemplateError';
}

export function createRenderer(options: RendererOptions): Renderer {
  const roots = options.overrideDir === null ? [options.shippedDir] : [options.overrideDir, options.shippedDir];
  const files = new Map<string, string>();

  const fileOf = (name: string): string => {
    const logical = posix.normalize(name.replace(/\\/g, '/').replace(/^\/+/, '')).replace(/\.eta$/, '');
    if (logical.startsWith('..') || logical === '.' || logical === '') throw new TemplateNotFound(`template name ${JSON.stringify(name)} is outside the templates folder`);
    let file = files.get(logical);
    if (file === undefined) {
      file = roots.map((root) => join(root, `${logical}.eta`)).find((candidate) => existsSync(candidate));
      if (file === undefined) throw new TemplateNotFound(`no template ${logical}.eta in ${roots.join(' or ')}`);
      files.set(logical, file);
    }
    return file;
  };

  // The logical name of a template file, so includes inside an override resolve like shipped ones.
  const logicalOf = (file: string): string => {
    for (const root of roots) {
      const rel = relative(root, file);
      if (!rel.startsWith('..')) return rel.split(sep).join('/').replace(/\.eta$/, '');
    }
    return '';
  };

  // Includes and layouts: `/pages/layout` from the templates root, `./part` beside the including template.
  const resolvePath = (template: string, opts?: { filepath?: string }): string => {
    const base = opts?.filepath;
    const name = template.startsWith('/') || base === undefined ? template : posix.join(posix.dirname(logicalOf(base)), template);
    return fileOf(name);
  };
  const engine = (plain: boolean): Eta => {
    const eta = new Eta({ views: options.shippedDir, cache: true, autoEscape: !plain, escapeFunction: escapeValue, ...(plain ? { autoTrim: false } : {}) });
    eta.resolvePath = resolvePath;
    eta.readFile = (file: string): string => readFileSync(file, 'utf8');
    return eta;
  };
  const markup = engine(false);
  const text = engine(true);
  if (options.overrideDir !== null) compileAll(markup, text, options.overrideDir);

  return {
    render: (name, data) => (name.endsWith('.txt') ? text : markup).render(name, data),
    fileOf,
  };
}

/** Compiles every `.eta` file under `dir` (at most 1000), so a broken override stops start-up with its name. */
function compileAll(markup: Eta, text: Eta, dir: string): void {
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.eta')).slice(0, 1000);
  for (const file of files) {
    try {
      (file.endsWith('.txt.eta') ? text : markup).compile(readFileSync(join(dir, file), 'utf8'));
    } catch (err) {
      throw new TemplateError(`TEMPLATES_DIR: ${file} does not compile: ${(err as Error).message.split('\n')[0]}`);
    }
  }
}
