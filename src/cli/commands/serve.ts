/** `latchkey serve`: migrates, then serves HTTP until SIGTERM or SIGINT, finishing in-flight requests. */
import { loadConfig } from '../../config/index.js';
import { expectNoArguments, type Command } from '../command.js';

export const serveCommand: Command = {
  help: [
    'Usage: latchkey serve',
    '',
    'Serves every API surface on HOST:PORT (default 127.0.0.1:3000) with the database at',
    'DATABASE_URL (default sqlite:./data/latchkey.db). Stops cleanly on SIGTERM or SIGINT.',
    'With METRICS_PORT set, also serves GET /metrics (no token) on METRICS_HOST:METRICS_PORT.',
  ].join('\n'),
  async run(args) {
    expectNoArguments(args);
    const config = loadConfig();
    // Loaded here, not at the top: the other commands start without the web stack.
    const { assembleLatchkey } = await import('../assemble.js');
    const latchkey = await assembleLatchkey(config, { startMailSender: true, startMaintenance: true });
    try {
      await latchkey.app.listen({ port: config.port, host: config.host });
      await latchkey.metricsListener?.listen({ port: config.metricsPort ?? 0, host: config.metricsHost });
    } catch (err) {
      await latchkey.close();
      throw err;
    }
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
    return 0;
  },
};
