/** Helpers for the JWT API in tests. */
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { call } from './http.js';

export interface Pair {
  access: string;
  refresh: string;
}

/** Registers `username` and asserts success. */
export async function register(app: FastifyInstance, username: string, password: string): Promise<void> {
  const res = await call(app, 'POST', '/api/v1/account/register', { json: { username, password } });
  assert.equal(res.status, 200, res.text);
}

/** Logs in and returns the token pair, asserting success. */
export async function login(app: FastifyInstance, username: string, password: string): Promise<Pair> {
  const res = await call(app, 'POST', '/api/v1/account/login', { json: { username, password } });
  assert.equal(res.status, 200, res.text);
  return res.body.result.token as Pair;
}

/** Decodes a JWT's header and payload without verifying it. */
export function decodeJwt(token: string): { header: any; payload: any } {
  const [h, p] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h ?? '', 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(p ?? '', 'base64url').toString('utf8')),
  };
}
