/**
 * How the SEC-65 audit tests send a request and check the one event it caused, as a row and as a
 * log line (test/http/sec-65-audit-events.test.ts).
 */
import assert from 'node:assert/strict';
import { requestParts, type RequestParts } from '../support/http.js';
import type { TestInstance } from '../support/instance.js';

const UA = 'sec-65-agent/1.0 (audit test)';

export interface Sent {
  status: number;
  text: string;
  body: any;
  headers: Record<string, unknown>;
  ip: string;
  requestId: string;
  /** The (fake) clock's time while the request ran. */
  at: number;
}

export interface Expected {
  accountId?: string | null;
  surface: string;
  /** The request caused no other audit event. */
  only?: boolean;
  detail?: Record<string, unknown>;
}

/** The helpers bound to the instance `instance()` returns (made in a `before`). */
export function auditProbe(instance: () => TestInstance) {
  let n = 0;
  /** One request from a fresh client address, 1 ms after the previous one. */
  async function send(
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    options: RequestParts & { ip?: string } = {},
  ): Promise<Sent> {
    n += 1;
    instance().clock.advance(1);
    const ip = options.ip ?? `10.65.${Math.floor(n / 250)}.${(n % 250) + 1}`;
    const res = await instance().app.inject({ method, url, remoteAddress: ip, ...requestParts(options, { 'user-agent': UA }) });
    options.jar?.update(res);
    let body: unknown;
    try {
      body = res.body ? JSON.parse(res.body) : undefined;
    } catch {
      body = undefined;
    }
    return { status: res.statusCode, text: res.body, body, headers: res.headers, ip, requestId: String(res.headers['x-request-id']), at: instance().clock.now() };
  }

  const db = () => instance().latchkey.database.db;
  const accountIdOf = async (usernameKey: string): Promise<string> =>
    (await db().selectFrom('accounts').select('id').where((eb) => eb.or([eb('username_key', '=', usernameKey), eb('email_key', '=', usernameKey)])).executeTakeFirstOrThrow()).id;
  const auditLines = (): Array<Record<string, any>> =>
    instance().logs.map((line) => JSON.parse(line) as Record<string, any>).filter((l) => l.type === 'audit');

  /** Exactly one row and one log line of `type` for the request, with these values. */
  async function expectEvent(sent: Sent, type: string, outcome: string, expected: Expected): Promise<Record<string, any>> {
    const rows = await db().selectFrom('audit_events').selectAll().where('request_id', '=', sent.requestId).execute();
    const matching = rows.filter((r) => r.type === type);
    assert.equal(matching.length, 1, `one ${type} row for request ${sent.requestId} (rows: ${JSON.stringify(rows.map((r) => r.type))})`);
    const row = matching[0]!;
    if (expected.only) assert.equal(rows.length, 1, `only the ${type} event (got ${JSON.stringify(rows.map((r) => r.type))})`);
    assert.equal(row.outcome, outcome, `${type} outcome`);
    if (expected.accountId !== undefined) assert.equal(row.account_id, expected.accountId, `${type} account`);
    assert.equal(row.ip, sent.ip);
    assert.equal(row.user_agent, UA);
    assert.equal(row.surface, expected.surface);
    assert.equal(Number(row.at), sent.at);
    const detail = row.detail === null ? {} : (JSON.parse(row.detail) as Record<string, unknown>);
    for (const [k, v] of Object.entries(expected.detail ?? {})) assert.equal(detail[k], v, `${type} detail.${k}`);

    const lines = auditLines().filter((l) => l.requestId === sent.requestId && l.event === type);
    assert.equal(lines.length, 1, `one ${type} log line`);
    const line = lines[0]!;
    assert.equal(line.outcome, outcome);
    assert.equal(line.accountId, row.account_id);
    assert.equal(line.identifierHash, row.identifier_hash);
    assert.equal(line.ip, sent.ip);
    assert.equal(line.userAgent, UA);
    assert.equal(line.surface, expected.surface);
    assert.match(line.at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    assert.equal(line.at, new Date(Number(row.at)).toISOString());
    return row;
  }

  return { send, expectEvent, accountIdOf, auditLines, db };
}
