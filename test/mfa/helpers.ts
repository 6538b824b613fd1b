/** Helpers for second-factor tests: enrol TOTP through the JWT API and play the authenticator app. */
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { totpCodeAt } from '../../src/crypto/totp.js';
import type { FakeClock } from '../support/clock.js';
import { bearer, call } from '../support/http.js';
import type { Pair } from '../support/jwt-api.js';

/** What an enrolled account holds: its TOTP secret (as the app scanned it) and its recovery codes. */
export interface Enrolled {
  secret: string;
  recoveryCodes: string[];
}

/** The authenticator app's code for `secret` at the fake clock's time, `steps` time steps away. */
export function codeAt(secret: string, clock: FakeClock, steps = 0): string {
  return totpCodeAt(secret, clock.now() + steps * 30_000);
}

/** Enrols TOTP for the account of `pair` (start with the password, confirm with a first code); asserts success. */
export async function enrolTotp(app: FastifyInstance, clock: FakeClock, pair: Pair, password: string): Promise<Enrolled> {
  const start = await call(app, 'POST', '/api/v1/account/mfa/totp', { json: { password }, headers: bearer(pair.access) });
  assert.equal(start.status, 200, start.text);
  const secret = start.body.result.secret as string;
  const confirm = await call(app, 'POST', '/api/v1/account/mfa/totp/confirm', { json: { code: codeAt(secret, clock) }, headers: bearer(pair.access) });
  assert.equal(confirm.status, 200, confirm.text);
  return { secret, recoveryCodes: confirm.body.result.recoveryCodes as string[] };
}
