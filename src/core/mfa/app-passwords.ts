/**
 * App passwords (docs/security.md, "Second factor"): an HTTP Basic client cannot carry a second
 * factor, so an account with one gives each such client its own generated password: 120 random
 * bits, shown once, stored as SHA-256 only (a secret of that strength needs no slow hash),
 * named, listed and revoked by the owner (password and code required, like every factor
 * change, and mailed). An app password proves who is asking on `GET /api/` and nothing else:
 * every state change needs the real password, and for an account with a second factor also the
 * code, on the pages or the JSON API. A wrong app password counts as a failed login.
 */
import { loginKey } from '../accounts/identifiers.js';
import { authenticatePassword } from '../credentials/authenticate.js';
import { hashSecret, newId } from '../credentials/secrets.js';
import { accountSubject, assertNotThrottled } from '../credentials/throttle.js';
import type { ClientContext } from '../ports.js';
import type { CoreDeps } from '../deps.js';
import { AuthError } from '../errors.js';
import type { Account } from '../accounts/ports.js';
import { normalizeCode, randomCode } from './codes.js';
import { noticeFactorChange } from './enrol.js';
import { withOwnerProof, type OwnerProof } from './owner-proof.js';
import type { AppPassword } from './ports.js';

/** Base32 letters of an app password (15 random bytes: 120 bits). */
const APP_PASSWORD_LETTERS = 24;
/** App passwords one account may hold. */
export const MAX_APP_PASSWORDS = 20;

/** A new app password: its listing and the secret, shown this once. */
export interface NewAppPassword {
  appPassword: AppPassword;
  password: string;
}

/** The account's app passwords, newest first (never their secrets). */
export async function listAppPasswords(deps: Pick<CoreDeps, 'uow' | 'secondFactor'>, accountId: string): Promise<AppPassword[]> {
  return deps.secondFactor.appPasswords.list(deps.uow.db, accountId);
}

/** Makes an app password named `name` (owner's proof required); INVALID_INPUT for a bad name or too many. */
export async function createAppPassword(deps: Pick<CoreDeps, 'uow' | 'accounts' | 'hasher' | 'clock' | 'policy' | 'throttle' | 'outbox' | 'audit' | 'secondFactor'>, accountId: string, name: string, proof: OwnerProof, ctx: ClientContext): Promise<NewAppPassword> {
  const label = name.trim();
  if (label.length === 0 || label.length > 100 || /\p{Cc}/u.test(label)) throw new AuthError('INVALID_INPUT', 'name must be 1 to 100 characters', { field: 'name' });
  const store = deps.secondFactor.appPasswords;
  const password = randomCode(15);
  const appPassword: AppPassword = { id: newId(), accountId, name: label, createdAt: deps.clock.now(), lastUsedAt: null };
  await withOwnerProof(deps, accountId, proof, ctx, async (tx, account) => {
    if ((await store.list(tx, accountId)).length >= MAX_APP_PASSWORDS) throw new AuthError('INVALID_INPUT', `an account holds at most ${MAX_APP_PASSWORDS} app passwords: revoke one first`, { field: 'name' });
    await store.insert(tx, appPassword, hashSecret(password.replace(/-/g, '')));
    await deps.audit.record(tx, { type: 'app_password_add', outcome: 'success', accountId, ctx, detail: { appPasswordId: appPassword.id } });
    await noticeFactorChange(deps, tx, account, 'app_password_added');
  });
  return { appPassword, password };
}

/** Revokes one of the account's app passwords (owner's proof required); NOT_FOUND for any other id. */
export async function revokeAppPassword(deps: Pick<CoreDeps, 'uow' | 'accounts' | 'hasher' | 'clock' | 'policy' | 'throttle' | 'outbox' | 'audit' | 'secondFactor'>, accountId: string, id: string, proof: OwnerProof, ctx: ClientContext): Promise<void> {
  await withOwnerProof(deps, accountId, proof, ctx, async (tx, account) => {
    if (!(await deps.secondFactor.appPasswords.delete(tx, accountId, id))) throw new AuthError('NOT_FOUND', 'no app password of yours has this id');
    await deps.audit.record(tx, { type: 'app_password_revoke', outcome: 'success', accountId, ctx, detail: { appPasswordId: id } });
    await noticeFactorChange(deps, tx, account, 'app_password_revoked');
  });
}

/**
 * HTTP Basic's credential check (`GET /api/`): an app password of the account, or else its real
 * password through authenticatePassword (refused with MFA_REQUIRED for an account with a second
 * factor). A wrong secret fails there, counted in the throttle like any failed login.
 */
export async function checkBasicCredentials(deps: Pick<CoreDeps, 'uow' | 'accounts' | 'hasher' | 'clock' | 'policy' | 'throttle' | 'serverKey' | 'audit' | 'secondFactor'>, identifier: string, secret: string, ctx: ClientContext): Promise<Account> {
  const plain = normalizeCode(secret, APP_PASSWORD_LETTERS);
  const key = plain === '' ? null : loginKey(identifier);
  const account = key === null ? null : await deps.accounts.findByLoginKey(deps.uow.db, key);
  if (account && account.status === 'active') {
    await assertNotThrottled(deps, accountSubject(account.id), ctx.ip);
    const found = await deps.secondFactor.appPasswords.findBySecretHash(deps.uow.db, account.id, hashSecret(plain));
    if (found) {
      const now = deps.clock.now();
      if (found.lastUsedAt === null || now - found.lastUsedAt > 60_000) await deps.secondFactor.appPasswords.markUsed(deps.uow.db, found.id, now);
      await deps.audit.note({ type: 'login', outcome: 'success', accountId: account.id, ctx, detail: { credential: 'app_password', appPasswordId: found.id } });
      return account;
    }
  }
  return authenticatePassword(deps, identifier, secret, ctx);
}
