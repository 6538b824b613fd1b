/**
 * Throttle keys hold no typed text any more: login failures count under `login-acct:<account id>`
 * or `login-id:<keyed hash>`, and the mail budget under `mail-min:` / `mail-hour:` plus the keyed
 * hash of the address (docs/decisions.md, "Throttle keys hold no typed text"). Earlier releases
 * keyed them by what was typed (`acct:<name>`, `mail-min:<address>`, `mail-min:id:<name>`), which
 * could be a password typed into the username field. Those rows are purged: nothing converts
 * them (the hash needs the server key, the account needs a lookup), and each is at most a day
 * old, so the only effect is that counts in progress start again once.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db
    .deleteFrom('login_throttle')
    .where((eb) => eb.or([eb('key', 'like', 'acct:%'), eb('key', 'like', 'mail-min:%'), eb('key', 'like', 'mail-hour:%')]))
    .execute();
}

export async function down(): Promise<void> {
  // Nothing to restore: purged counters are not brought back.
}
