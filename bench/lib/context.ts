/** The seeded data every scenario draws on: accounts, sessions of both kinds, refresh and logout pools. */
import type { BenchContext } from '../scenarios.js';
import { refreshToken, seedAccounts, seedSessions, signAccessTokens } from './seed.js';

export const ISSUER = 'latchkey-bench';

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/** Seeds `accounts` accounts with one token and one cookie session each, 2,000 refresh chains and 60,000 sessions to log out. */
export async function buildContext(dbUrl: string, passwordHash: string, accounts: number): Promise<BenchContext> {
  const now = Date.now();
  await seedAccounts(dbUrl, 0, accounts, passwordHash, now);
  await seedSessions(dbUrl, 'token', 0, accounts, now, accounts);
  await seedSessions(dbUrl, 'cookie', 0, accounts, now, accounts);
  await seedSessions(dbUrl, 'token', 100_000, 102_000, now, accounts);
  await seedSessions(dbUrl, 'token', 200_000, 260_000, now, accounts);
  return {
    accounts,
    accessTokens: await signAccessTokens(dbUrl, ISSUER, range(0, accounts), now, accounts),
    cookieSessions: range(0, accounts),
    refreshPool: range(100_000, 102_000).map(refreshToken),
    logoutPool: await signAccessTokens(dbUrl, ISSUER, range(200_000, 260_000), now, accounts),
  };
}
