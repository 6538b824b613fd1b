/** `latchkey serve`: migrates, then serves HTTP until SIGTERM or SIGINT, finishing in-flight requests. */
import { misspelledVariables } from '../../config/env-names.js';
import { loadConfig } from '../../config/index.js';
import { expectNoArguments, type Command } from '../command.js';

export const serveCommand: Command = {
  help: [
    'Usage: latchkey serve',
    '',
    'Serves every API surface on HOST:PORT (default 127.0.0.1:3000) with the database at',
    'DATABASE_URL (default sqlite:./data/latchkey.db). Stops cleanly on SIGTERM or SIGINT.',
    'With METRICS_PORT set, also serves GET /metrics (no token) on METRICS_HOST:METRICS_PORT.',
    'On a terminal it prints where everything is once it listens; logs are coloured lines there',
    'and JSON lines otherwise (LOG_FORMAT=json|pretty to choose).',
  ].join('\n'),
  async run(args) {
    expectNoArguments(args);
    const config = loadConfig();
    // Loaded here, not at the top: the other commands start without the web stack.
    const [{ assembleLatchkey }, { devMailServed }, { logsArePretty }, summary, { packageVersion }] = await Promise.all([
      import('../assemble.js'),
      import('../dev-mailbox.js'),
      import('../logger.js'),
      import('../startup-summary.js'),
      import('../../config/version.js'),
    ]);
    const latchkey = await assembleLatchkey(config, { startMailSender: true, startMaintenance: true, startOidcJobs: true });
    let listening: string;
    try {
      listening = await latchkey.app.listen({ port: config.port, host: config.host });
      await latchkey.metricsListener?.listen({ port: config.metricsPort ?? 0, host: config.metricsHost });
    } catch (err) {
      await latchkey.close();
      throw err;
    }
    // Before the summary: a supervisor may send SIGTERM the moment it reads "ready", and a signal
    // with no listener yet would kill the process without closing it.
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      latchkey.app.log.info({ signal }, 'shutting down');
      latchkey.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    const warnings = misspelledVariables();
    const facts = summary.startupFacts(config, listening, { devMail: devMailServed(config) });
    if (logsArePretty(config)) {
      const color = config.color && process.stdout.isTTY === true;
      process.stdout.write(`${summary.formatSummary(facts, warnings, { color, version: packageVersion() })}\n`);
    } else {
      for (const warning of warnings) latchkey.app.log.warn({ event: 'config_warning' }, warning);
      latchkey.app.log.info({ event: 'startup', ...Object.fromEntries(facts) }, 'latchkey ready');
    }
    return 0;
  },
};
