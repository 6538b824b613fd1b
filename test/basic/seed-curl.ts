/** The curl examples of the Basic API (README, "The HTTP Basic API"), as curl sends them (the -d bodies keep their shell line continuations verbatim). */
import type { FastifyInstance } from 'fastify';
import { call, type JsonResponse } from '../support/http.js';

const CURL = { 'user-agent': 'curl/8.5.0', accept: '*/*' };

/** `-u user:password` as curl encodes it. */
export function basic(username: string, password: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}` };
}

/** The body of the "Create User" curl example of the Basic API, byte for byte (with other values when given). */
export function createBody(username = 'juliet@buddycloud.com', password = 'romeo-forever', email = username): string {
  return `{ \\
            "username": "${username}", \\
            "password": "${password}", \\
            "email": "${email}" \\
         }`;
}

/** The body of the "Change Password" curl example of the Basic API. */
export function changeBody(username = 'juliet@buddycloud.com', password = 'new-password'): string {
  return `{ \\
            "username": "${username}", \\
            "password": "${password}" \\
         }`;
}

/** curl https://…/api/account -X POST -H "Content-Type: application/json; charset=utf-8" -d '…' */
export function curlCreate(app: FastifyInstance, body = createBody()): Promise<JsonResponse> {
  return call(app, 'POST', '/api/account', { headers: { ...CURL, 'content-type': 'application/json; charset=utf-8' }, payload: body });
}

/** curl https://…/api/ -X GET -u user:password */
export function curlCheck(app: FastifyInstance, username = 'juliet@buddycloud.com', password = 'romeo-forever'): Promise<JsonResponse> {
  return call(app, 'GET', '/api/', { headers: { ...CURL, ...basic(username, password) } });
}

/** curl https://…/api/account -X DELETE -u user:password */
export function curlDelete(app: FastifyInstance, username = 'juliet@buddycloud.com', password = 'romeo-forever'): Promise<JsonResponse> {
  return call(app, 'DELETE', '/api/account', { headers: { ...CURL, ...basic(username, password) } });
}

/** curl https://…/api/account/pw/change -X POST -u user:password -H "Content-Type: application/json; charset=utf-8" -d '…' */
export function curlChange(app: FastifyInstance, auth: [string, string] = ['juliet@buddycloud.com', 'romeo-forever'], body = changeBody()): Promise<JsonResponse> {
  return call(app, 'POST', '/api/account/pw/change', {
    headers: { ...CURL, ...basic(...auth), 'content-type': 'application/json; charset=utf-8' },
    payload: body,
  });
}

/** curl https://…/api/account/pw/reset -X POST -H "Content-Type: application/json" -d '{ "username": "…" }' */
export function curlReset(app: FastifyInstance, username = 'juliet@buddycloud.com'): Promise<JsonResponse> {
  return call(app, 'POST', '/api/account/pw/reset', {
    headers: { ...CURL, 'content-type': 'application/json' },
    payload: `{ "username": "${username}" }`,
  });
}
