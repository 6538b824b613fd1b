/** The greeting part of a notice's template data, shared by every flow that mails an account. */
import type { Account } from '../accounts/ports.js';

/** `{ username }` when the account has one (the templates greet by it), else nothing. */
export function greetingData(account: Pick<Account, 'username'>): Record<string, string> {
  return account.username ? { username: account.username } : {};
}
