/**
 * Even database work for the requests that must not reveal whether an account exists: email
 * sign-up, reset requests and confirmation resends (docs/security.md, SEC-9 and SEC-47). Their answers
 * are identical, but on PostgreSQL each statement is a round trip of a few tenths of a
 * millisecond, so a branch that mails a link (void old links, insert the link, queue the email)
 * was 1.5 to 5 ms slower than one that sends nothing, which a patient attacker can time
 * (test/http/sec-enumeration-timing.test.ts). So every branch of such a request makes the same
 * number of statements; a branch with less real work makes up the difference with updates
 * that match no row. Nothing is stored.
 */
import { newId } from '../credentials/secrets.js';
import type { CoreDeps } from '../deps.js';
import type { Tx } from '../ports.js';

/** Statements takeMailBudget makes, whether or not the budget allows the email. */
export const MAIL_BUDGET_STATEMENTS = 2;
/** Statements of mailing a link: void the older links, insert the new one, queue the email. */
export const LINK_MAIL_STATEMENTS = 3;

/** Makes `count` statements that change nothing (voiding the links of an account id that cannot exist). */
export async function padStatements(deps: Pick<CoreDeps, 'clock' | 'tokens'>, tx: Tx, count: number): Promise<void> {
  const now = deps.clock.now();
  for (let i = 0; i < count; i++) await deps.tokens.voidForAccount(tx, newId(), 'reset', now);
}
