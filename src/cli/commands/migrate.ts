/** `latchkey migrate`: applies pending database migrations and exits. */
import { loadConfig } from '../../config/index.js';
import { migrateToLatest, openDatabase } from '../../store/index.js';
import { expectNoArguments, type Command } from '../command.js';

export const migrateCommand: Command = {
  help: 'Usage: latchkey migrate\n\nApplies every pending migration to DATABASE_URL and exits.',
  async run(args) {
    expectNoArguments(args);
    const config = loadConfig();
    const database = await openDatabase(config.databaseUrl);
    try {
      const { applied } = await migrateToLatest(database);
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'schema is up to date\n');
      return 0;
    } finally {
      await database.close();
    }
  },
};
