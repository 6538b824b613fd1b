// The mutations scripts/mutation-check.mjs applies, one at a time. Each removes or weakens one
// security check with a one-line edit (`from` must occur exactly once in `file`, or, with
// `all: true`, at least once, every occurrence replaced), and names the test files that must
// then fail. Each property has a test file named after it under test/security/pin-*.test.ts;
// docs/security.md ("Pinned properties") lists them. When a check is refactored, update its
// `from` text here: the script refuses to run a mutation whose text it cannot find.

/** @type {Array<{ id: string; title: string; edits: Array<{ file: string; from: string; to: string; all?: boolean }>; tests: string[]; postgres?: boolean }>} */
export const MUTATIONS = [
  {
    id: 'dummy-hash-skipped',
    title: 'login skips the dummy hash for unknown and password-less accounts',
    edits: [
      {
        file: 'src/core/credentials/authenticate.ts',
        from: 'const matches = await deps.hasher.verify(hash, normalized, ctx.gone);',
        to: 'const matches = account?.passwordHash ? await deps.hasher.verify(hash, normalized, ctx.gone) : false;',
      },
    ],
    tests: ['test/security/pin-dummy-hash-unknown-accounts.test.ts', 'test/unit/authenticate.test.ts'],
  },
  {
    id: 'csrf-double-submit-removed',
    title: 'the X-CSRFToken header is no longer compared with the csrftoken cookie',
    edits: [
      {
        file: 'src/http/csrf.ts',
        from: "(input.tokenRequired === true || (typeof cookie === 'string' && sameToken(cookie, presented))) &&",
        to: '(input.tokenRequired === true || true) &&',
      },
    ],
    tests: ['test/security/pin-csrf-double-submit.test.ts'],
  },
  {
    id: 'admin-key-prefix-only',
    title: 'the admin API key check compares only the first 16 characters',
    edits: [
      {
        file: 'src/http/admin/index.ts',
        from: 'const matches = () => presented !== null && sameBytes(keyDigest(presented), expected);',
        to: 'const matches = () => presented !== null && sameBytes(keyDigest(presented.slice(0, 16)), keyDigest(opts.apiKey.slice(0, 16)));',
      },
    ],
    tests: ['test/security/pin-admin-key-full-comparison.test.ts'],
  },
  {
    id: 'argon2-pool-at-full-priority',
    title: 'the server hashes passwords on libuv\'s pool without lowering its threads\' priority (a login storm takes the event loop\'s CPU)',
    edits: [
      {
        file: 'src/crypto/argon2-pool.ts',
        from: 'const prioritised = lowerThreadPoolPriority(nice, poolSize);',
        to: 'const prioritised = lowerThreadPoolPriority(0, poolSize);',
      },
    ],
    tests: ['test/unit/argon2-thread-pool.test.ts'],
  },
  {
    id: 'truncate-in-argon2-hasher',
    title: 'the argon2id hasher (the server\'s, through the pool on libuv\'s threads, and the CLI\'s) hashes and verifies only the first 72 characters',
    edits: [
      {
        file: 'src/crypto/argon2-hasher.ts',
        from: 'hash: (password) => hash(password, options as Parameters<typeof hash>[1]),',
        to: 'hash: (password) => hash(password.slice(0, 72), options as Parameters<typeof hash>[1]),',
      },
      {
        file: 'src/crypto/argon2-hasher.ts',
        from: 'return await verify(stored, password);',
        to: 'return await verify(stored, password.slice(0, 72));',
      },
    ],
    tests: ['test/security/pin-password-no-truncation.test.ts', 'test/http/jwt-api-bad-input.test.ts'],
  },
  {
    id: 'truncate-before-hashing',
    title: 'the core cuts the normalized password to 72 characters before any hash or verify',
    edits: [
      {
        file: 'src/core/credentials/password-policy.ts',
        from: "return password.normalize('NFKC');",
        to: "return password.normalize('NFKC').slice(0, 72);",
      },
    ],
    tests: ['test/security/pin-password-no-truncation.test.ts'],
  },
  {
    id: 'refresh-reuse-unchecked',
    title: 'an already rotated refresh token is rotated again instead of being treated as reuse',
    edits: [
      {
        file: 'src/core/tokens/token-sessions.ts',
        from: 'if (current.rotatedAt !== null || behind > 0) {',
        to: 'if (current.rotatedAt !== null) {',
      },
    ],
    tests: ['test/security/pin-refresh-reuse.test.ts'],
  },
  {
    id: 'bearer-session-unchecked',
    title: 'an access token is accepted without its session being live (logged out, revoked, idle)',
    edits: [
      {
        file: 'src/core/tokens/token-sessions.ts',
        from: '    isSessionLive(f.session, now);',
        to: '    true;',
      },
    ],
    tests: ['test/security/pin-bearer-session-live.test.ts'],
  },
  {
    id: 'expired-link-accepted',
    title: 'confirmation and reset links are usable after their expiry',
    edits: [
      {
        file: 'src/store/one-time-tokens.ts',
        from: ".where('expires_at', '>', now)",
        to: ".where('expires_at', '>', 0)",
        all: true,
      },
    ],
    tests: ['test/security/pin-link-token-expiry.test.ts'],
  },
  {
    id: 'sqlite-cache-own-writes-unheard',
    title: "a SQLite server's session cache does not hear changes written on its own connection (revoked sessions served from memory)",
    edits: [
      {
        file: 'src/store/session-cache/sqlite-watch.ts',
        from: '  for (const trigger of TRIGGERS) connection.exec(trigger);',
        to: '  void TRIGGERS;',
      },
    ],
    tests: ['test/store/sqlite-session-cache.test.ts'],
  },
  {
    id: 'sqlite-cache-other-writers-unheard',
    title: "a SQLite server's session cache ignores commits of other connections (latchkey user disable served from memory)",
    edits: [
      {
        file: 'src/store/session-cache/sqlite-watch.ts',
        from: '    if (version !== seen) {',
        to: '    if (version !== seen && false) {',
      },
    ],
    tests: ['test/store/sqlite-session-cache.test.ts'],
  },
  // The refresh's one-statement rotation (docs/decisions.md, "A current refresh token rotates in
  // one statement"): each condition of its UPDATE dropped in turn; the locked rotation behind it
  // is untouched, so only the fast path's own test sees the difference.
  ...[
    ['refresh-fast-revoked', 'a revoked session', ".where('sessions.revoked_at', 'is', null)"],
    ['refresh-fast-rotated', 'a row an earlier release rotated', ".where('sessions.rotated_at', 'is', null)"],
    ['refresh-fast-idle-expired', 'a session past its idle expiry', ".where('idle_expires_at', '>', at)"],
    ['refresh-fast-absolute-expired', 'a session past its absolute expiry', ".where('absolute_expires_at', '>', at)"],
    ['refresh-fast-account-inactive', 'a session of a disabled account', ".where('accounts.status', '=', 'active')"],
    ['refresh-fast-unthrottled', 'a chain past its rotations per minute', ".where(sql<boolean>`case when ${freshWindow} then 1 else rotation_count + 1 end <= ${slot('rotationsPerMinute')}`)"],
  ].map(([id, what, from]) => ({
    id,
    title: `the one-statement refresh rotates ${what}`,
    edits: [{ file: 'src/store/sessions.ts', from, to: '' }],
    tests: ['test/security/pin-refresh-fast-path.test.ts'],
  })),
  {
    id: 'abandoned-login-hashed',
    title: 'a login still queued for its hash when its client disconnected is hashed anyway',
    edits: [{ file: 'src/crypto/bounded-hasher.ts', from: '      if (gone?.()) {', to: '      if (false) {' }],
    tests: ['test/security/abandoned-logins-not-hashed.test.ts'],
  },
  {
    id: 'session-read-shared-after-invalidation',
    title: 'a session check joins a database read started before an invalidation (and may get the session as it was before)',
    edits: [{ file: 'src/core/sessions/cached-lookup.ts', from: 'if (under && under.ticket === ticket) return under.read;', to: 'if (under) return under.read;' }],
    tests: ['test/core/session-lookup-flights.test.ts'],
  },
  // The same conditions in the statement that rotates many tokens at once on PostgreSQL
  // (src/store/migrations/2026-12-07T2300-rotate-sessions-function.ts): each dropped in turn,
  // the store test's row that the condition keeps out rotates.
  ...[
    ['refresh-batch-kind', 'a cookie session', "and sessions.kind = 'token'"],
    ['refresh-batch-generation', 'a row at another generation', 'and sessions.generation = v.generation'],
    ['refresh-batch-secret', 'a row whose current secret is another', 'and coalesce(sessions.chain_hash, sessions.secret_hash) = v.presented_hash'],
    ['refresh-batch-revoked', 'a revoked session', 'and sessions.revoked_at is null'],
    ['refresh-batch-rotated', 'a row an earlier release rotated', 'and sessions.rotated_at is null'],
    ['refresh-batch-idle-expired', 'a session past its idle expiry', 'and sessions.idle_expires_at > v.at'],
    ['refresh-batch-absolute-expired', 'a session past its absolute expiry', 'and sessions.absolute_expires_at > v.at'],
    ['refresh-batch-unthrottled', 'a chain past its rotations per minute', 'and case when ${sql.raw(fresh)} then 1 else sessions.rotation_count + 1 end <= v.per_minute'],
    ['refresh-batch-account-inactive', 'a session of a disabled account', "and exists (select accounts.id from accounts where accounts.id = sessions.account_id and accounts.status = 'active')"],
  ].map(([id, what, from]) => ({
    id,
    title: `the rotation statement shared by many refreshes (PostgreSQL) rotates ${what}`,
    edits: [{ file: 'src/store/migrations/2026-12-07T2300-rotate-sessions-function.ts', from, to: '' }],
    tests: ['test/store/pg-rotation-batch.test.ts'],
    postgres: true,
  })),
  {
    id: 'open-session-unlocked',
    title: 'the one-statement login (PostgreSQL) counts the live sessions without first locking the account',
    edits: [{ file: 'src/store/migrations/2026-12-07T1600-open-session-function.ts', from: '  perform 1 from accounts where id = v_account for update;\n', to: '' }],
    tests: ['test/store/one-statement-writes.test.ts', 'test/security/sessions-per-account-capped.test.ts'],
    postgres: true,
  },
  {
    id: 'register-claim-unchecked',
    title: 'the one-statement sign-up (PostgreSQL) keeps an account whose username or email another account holds',
    edits: [{ file: 'src/store/migrations/2026-12-07T1700-register-account-function.ts', from: '    if not found then\n', to: '    if false then\n' }],
    tests: ['test/store/one-statement-writes.test.ts'],
    postgres: true,
  },
];
