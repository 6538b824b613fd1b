/** `latchkey migrate`: applies pending database migrations and exits. */
import { loadConfig } from '../../config/index.js';
import { countIdentifierCollisions, migrateToLatest, openDatabase } from '../../store/index.js';
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
      // Usernames that equal another account's email were left out of the login namespace.
      const collisions = await countIdentifierCollisions(database.db);
      if (collisions > 0) {
        process.stdout.write(
          `warning: ${collisions} username(s) equal another account's email and no longer log in; list them with latchkey user collisions\n`,
        );
      }
      return 0;
    } finally {
      await database.close();
    }
  },
};
