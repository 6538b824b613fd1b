/**
 * The language control on /account (docs/branding.md#language): the signed-in owner picks one of
 * the shipped languages; the core stores it as the account's locale (the same call as
 * `POST /api/v1/account/locale`), so every later email is written in it, and the language cookie
 * is set so this browser's pages follow at once (other browsers follow the stored locale, after
 * `?lang=` and their own cookie). CSRF: the session's token, as every /account form.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { isAuthError } from '../../core/errors.js';
import { LANGUAGES, type Translate } from '../../ui/index.js';
import { assertSessionCsrf } from '../csrf.js';
import { emptyResponse, formBody, HEADERS, htmlResponse, requires, type RouteSchema } from '../openapi/route-docs.js';
import { currentVisitor, view, type PagesDeps, type Visitor } from './context.js';
import type { ShowAccount } from './factor-forms.js';
import { formField } from './form-body.js';
import { csrfDoc, sessionFormErrors } from './schemas.js';
import { LANGUAGE_COOKIE, languageCookieOptions } from './view.js';

export const accountLanguageFormRoute: RouteSchema = {
  summary: 'Choose your language',
  description: `Stores the account's language (${LANGUAGES.join(', ')}), as \`POST /api/v1/account/locale\` does: every later email is written in it, and the pages follow it (this browser at once, through the \`lang\` cookie).`,
  tags: ['pages'],
  security: requires('sessionCookie'),
  requestBody: formBody('The language form of /account.', { csrf: csrfDoc, language: { description: `One of ${LANGUAGES.join(', ')}.`, maxLength: 35 } }, ['csrf', 'language']),
  response: {
    ...sessionFormErrors,
    303: emptyResponse('Stored: back to /account, in the chosen language (or not logged in: go to /login).', { Location: HEADERS.location, 'Set-Cookie': { description: 'The `lang` cookie (HttpOnly, SameSite=Lax, a year) with the chosen language.', schema: { type: 'string' } } }),
    400: htmlResponse('Not a shipped language: the account page saying so.'),
  },
};

/** A shipped language as the account page's language form offers it. */
export interface LanguageChoice {
  lang: string;
  label: string;
  selected: boolean;
}

/** The choices of the language form: every shipped language, the account's own (else DEFAULT_LANGUAGE) selected. */
export function languageChoices(deps: PagesDeps, visitor: Visitor, t: Translate): LanguageChoice[] {
  const current = visitor.account.locale ?? deps.ui.defaultLanguage;
  return LANGUAGES.map((lang) => ({ lang, label: t(`languageNames.${lang}`), selected: lang === current }));
}

/** Registers POST /account/language. */
export function registerAccountLanguagePage(app: FastifyInstance, deps: PagesDeps, show: ShowAccount): void {
  app.post('/account/language', { schema: accountLanguageFormRoute }, async (req, reply): Promise<FastifyReply> => {
    const visitor = await currentVisitor(deps, req);
    if (visitor === null) return reply.redirect('/login', 303);
    assertSessionCsrf(req, { service: deps.service, settings: deps.settings, sessionId: visitor.session.id, presented: formField(req, 'csrf'), tokenRequired: true });
    const language = formField(req, 'language', 35);
    try {
      await deps.service.setLocale(visitor.account.id, language);
    } catch (err) {
      if (isAuthError(err, 'INVALID_INPUT')) return show(req, reply, 400, visitor, { errors: { language: view(deps, req, reply).t('account.language_invalid') } });
      throw err;
    }
    reply.setCookie(LANGUAGE_COOKIE, language, languageCookieOptions(deps.settings));
    return reply.redirect('/account', 303);
  });
}
