import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { namesForeignSchema } from '../../src/store/migrate.js';

describe('migrations: errors caused by another schema being dropped', () => {
  it('recognises a dropped schema or a dropped table of a schema that is not ours', () => {
    assert.equal(namesForeignSchema('schema "t_other" does not exist', 't_mine'), true);
    // Seen in CI: Kysely's introspection calls pg_get_serial_sequence on every table of every schema.
    assert.equal(namesForeignSchema('migration (unknown) failed: relation "t_other.audit_events" does not exist', 't_mine'), true);
    assert.equal(namesForeignSchema('relation "t_other.sessions" does not exist', undefined), true);
    // Seen in CI with three runs on one server: a table of another schema was created or dropped mid-lookup.
    assert.equal(namesForeignSchema('migration (unknown) failed: column "value" of relation "server_secrets" does not exist', 't_mine'), true);
    assert.equal(namesForeignSchema('migration (unknown) failed: column "id" of relation "kysely_migration_lock" does not exist', 't_mine'), true);
  });

  it('treats errors about our own schema, unqualified relations or anything else as real', () => {
    assert.equal(namesForeignSchema('schema "t_mine" does not exist', 't_mine'), false);
    assert.equal(namesForeignSchema('relation "t_mine.audit_events" does not exist', 't_mine'), false);
    assert.equal(namesForeignSchema('relation "audit_events" does not exist', 't_mine'), false);
    assert.equal(namesForeignSchema('syntax error at or near "creat"', 't_mine'), false);
    // A migration of ours that names a missing column fails under its own name: real.
    assert.equal(namesForeignSchema('migration 2026-12-06T0100-login-identifiers failed: column "value" of relation "server_secrets" does not exist', 't_mine'), false);
  });
});
