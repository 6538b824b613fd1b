/**
 * Renders a queued message (docs/branding.md#emails): subject from the `mail` catalogue, the
 * HTML part from `templates/mail/<file>.eta` and the text part from `<file>.txt.eta` (either
 * replaced from TEMPLATES_DIR), in the language stored with the message (DEFAULT_LANGUAGE when it
 * names no shipped one), with the brand. The HTML templates escape every value they print, so a
 * username like `<script>` or a crafted token cannot inject markup into a message.
 */
import type { Language, Ui } from '../../ui/index.js';
import { MESSAGES, TemplateDataError, type MessageSpec } from './messages.js';

export { FACTOR_CHANGES, linkWithToken, MESSAGES, TemplateDataError } from './messages.js';

/** A message ready to hand to a mailer. `link` is its one-time link (token), if it has one. */
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
  link?: string;
  /** The language it was written in. */
  language: Language;
}

/** Renders stored messages; built once at start-up from the shared ui (src/ui). */
export interface MailRenderer {
  /** Renders `template` (a name as stored) in `language` (a stored locale; null: DEFAULT_LANGUAGE); throws TemplateDataError. */
  render(template: string, data: Record<string, string>, language: string | null): RenderedMail;
}

/** The renderer over `ui`; links and the footer use `publicUrl` (PUBLIC_URL). */
export function createMailRenderer(ui: Ui, publicUrl: string): MailRenderer {
  const brand = ui.mailBrand.name;
  const draw = (name: string, language: Language, view: object): string => {
    try {
      return ui.render(name, language, view);
    } catch (err) {
      // A broken template (an override with a typo) never gets better by retrying: reported as one line.
      const first = (err instanceof Error ? err.message : String(err)).split(/[\r\n]/)[0] ?? '';
      throw new TemplateDataError(`${name}: ${first}`.slice(0, 200));
    }
  };
  return {
    render(template, data, stored) {
      const spec: MessageSpec | undefined = Object.hasOwn(MESSAGES, template) ? MESSAGES[template as keyof typeof MESSAGES] : undefined;
      if (!spec) throw new TemplateDataError(`unknown template "${template}"`);
      const language = ui.language({ explicit: [stored] });
      const base = ui.translator(language, 'mail');
      const t = (key: string, values?: Record<string, string | number>): string => base(key, { brand, url: publicUrl, ...values });
      const subject = t(spec.subject(data));
      const view = { ...spec.view(data, publicUrl), t, subject, username: data.username || null, publicUrl };
      return {
        subject,
        html: draw(`mail/${spec.file}`, language, view),
        text: draw(`mail/${spec.file}.txt`, language, view),
        language,
        ...(spec.token ? { link: view.link } : {}),
      };
    },
  };
}

/** Renders every message in every language with sample data: a broken override fails here, at start-up, not at send time. */
export function checkMailTemplates(renderer: MailRenderer, languages: readonly Language[]): void {
  const sample: Record<string, string> = { token: 'check', password: 'check', stage: 'changed', change: 'totp_on', left: '2', username: 'check' };
  for (const template of Object.keys(MESSAGES)) for (const language of languages) renderer.render(template, sample, language);
}
