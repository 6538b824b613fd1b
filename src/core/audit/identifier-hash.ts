/**
 * What an audit event keeps of a typed username or email: an HMAC with the server key of its
 * normalized form (NFKC, case-folded, as logins compare it). The same name always gives the same
 * hash, so failed attempts on one identifier can be correlated, and `latchkey audit --account`
 * can find attempts on a name that has no account; but the table and the log never hold what
 * was typed (which is sometimes a password typed into the wrong field), and without the server
 * key a hash cannot be tested against a list of names.
 */
import { createHmac } from 'node:crypto';
import { foldCase, loginKey } from '../accounts/identifiers.js';

/** The keyed hash of an identifier as audit events store it. */
export function auditIdentifierHash(serverKey: string, identifier: string): string {
  const key = loginKey(identifier) ?? foldCase(identifier.normalize('NFKC'));
  return createHmac('sha256', serverKey).update(`audit-identifier:${key}`, 'utf8').digest('base64url');
}
