/**
 * What `latchkey serve` says once it listens: where it is, which database, whether mail is
 * really sent, and which optional parts are on, so a newcomer sees from the first screen where
 * everything is (README, "Quick start"). Never a password: URLs are reduced to host and port.
 */
import type { Config } from '../config/index.js';
import { describeDatabase } from '../config/database.js';

/** One labelled fact of the summary. */
export type SummaryLine = [label: string, value: string];

function hostOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}`;
  } catch {
    return '(unparsable URL)';
  }
}

/** The facts, in the order they are shown. `listening` is the address the server got; `devMail` whether /dev/mail is served. */
export function startupFacts(config: Config, listening: string, options: { devMail: boolean }): SummaryLine[] {
  const metrics = [
    config.metricsToken !== null ? `GET /metrics on this port (METRICS_TOKEN)` : null,
    config.metricsPort !== null ? `GET /metrics on ${config.metricsHost}:${config.metricsPort} (METRICS_PORT)` : null,
  ].filter((m): m is string => m !== null);
  const mail =
    config.smtpUrl !== null
      ? `SMTP ${hostOf(config.smtpUrl)}${config.smtpUrl.startsWith('smtps:') ? ' (TLS)' : ''}, from ${config.mailFrom}`
      : `dev outbox: mail is not sent, links are printed here${options.devMail ? ` and listed at ${listening}/dev/mail` : ''}`;
  return [
    ['Listening', listening],
    ['Public URL', config.publicUrl],
    ['Pages', `${config.publicUrl}/login  (API reference: ${config.publicUrl}/docs)`],
    ['Database', describeDatabase(config.databaseUrl)],
    ['Mail', mail],
    ['Admin API', config.adminApiKey !== null ? 'on: /api/v1/admin (ADMIN_API_KEY)' : 'off (set ADMIN_API_KEY to turn on)'],
    ['Metrics', metrics.length ? metrics.join('; ') : 'off (METRICS_TOKEN or METRICS_PORT)'],
    ['Redis', config.redisUrl !== null ? `on: ${hostOf(config.redisUrl)}, throttle counters shared` : 'off: throttle counters in the database'],
    ['CORS', config.corsOrigins.length ? `on for ${config.corsOrigins.join(', ')}` : 'off (CORS_ORIGINS)'],
    ['Return to apps', config.selfService.returnTo.length ? `allowed: ${config.selfService.returnTo.map((r) => (r.pathPrefix === '/' ? r.origin : r.origin + r.pathPrefix)).join(', ')}` : 'off: return_to is ignored (RETURN_TO_ORIGINS)'],
    ['OIDC provider', config.oidc.enabled ? `on: ${config.publicUrl}/.well-known/openid-configuration` : 'off (OIDC_PROVIDER=on)'],
    ['Secrets at rest', config.masterKey !== null ? `encrypted (master key ${config.masterKey.id})` : 'stored clear (MASTER_KEY to encrypt)'],
  ];
}

/** The facts as an aligned block for a terminal, with `warnings` under it. */
export function formatSummary(facts: SummaryLine[], warnings: string[], options: { color: boolean; version: string }): string {
  const bold = (t: string): string => (options.color ? `\u001b[1m${t}\u001b[0m` : t);
  const yellow = (t: string): string => (options.color ? `\u001b[33m${t}\u001b[0m` : t);
  const width = Math.max(...facts.map(([label]) => label.length));
  return [
    '',
    bold(`Latchkey ${options.version} is ready`),
    ...facts.map(([label, value]) => `  ${`${label}:`.padEnd(width + 2)}${value}`),
    ...warnings.map((w) => yellow(`  warning: ${w}`)),
    '',
  ].join('\n');
}
