/**
 * Turns anything a route can throw into one neutral description (status, code, message),
 * which each surface then renders in its own wire format. Domain codes map to statuses here,
 * in one table; unexpected errors become a generic 500 that reveals nothing.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { isAuthError, type AuthErrorCode, type OutageClassifier } from '../core/errors.js';
import { BodyError } from './json-body.js';
import { HttpsRequiredError } from './transport-security.js';

export interface Problem {
  status: number;
  /** A stable lower-case code, e.g. `invalid_credentials`. */
  code: string;
  message: string;
  field?: string;
  retryAfter?: number;
  /** True for a 5xx caused by a bug: the caller logs it. */
  unexpected?: boolean;
}

const STATUS_BY_CODE: Record<AuthErrorCode, number> = {
  INVALID_INPUT: 400,
  WEAK_PASSWORD: 400,
  USERNAME_TAKEN: 409,
  EMAIL_TAKEN: 409,
  INVALID_CREDENTIALS: 401,
  MFA_REQUIRED: 401,
  MFA_ENROLMENT_REQUIRED: 403,
  INVALID_TOKEN: 401,
  TOKEN_REUSED: 401,
  NOT_AUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  BUSY: 503,
  THROTTLED: 429,
  UNAVAILABLE: 503,
};

interface ValidationItem {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

function describeValidation(err: FastifyError): Problem {
  const item = ((err as { validation?: ValidationItem[] }).validation ?? [])[0] ?? {};
  const params = item.params ?? {};
  const path = (item.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  let field = path;
  let message: string;
  if (item.keyword === 'required') {
    field = String(params.missingProperty ?? path);
    message = `${field} is required`;
  } else if (item.keyword === 'additionalProperties') {
    field = String(params.additionalProperty ?? path);
    message = `unknown field: ${field}`;
  } else if (item.keyword === 'type' && path === '') {
    message = 'the request body must be a JSON object';
  } else if (item.keyword === 'type') {
    message = `${field} must be a ${String(params.type)}`;
  } else {
    message = `${field || 'body'} ${item.message ?? 'is invalid'}`;
  }
  return { status: 400, code: 'invalid_input', message, ...(field ? { field } : {}) };
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Describes an error thrown while handling a request (describeError with the app's outage classifier; set by useProblems). */
    describeProblem(err: unknown): Problem;
  }
}

/** Gives the app and every scope in it `describeProblem`, recognising outages with `isOutage`. */
export function useProblems(app: FastifyInstance, isOutage: OutageClassifier): void {
  app.decorate('describeProblem', (err: unknown) => describeError(err, isOutage));
}

/** Describes an error thrown while handling a request; `isOutage` recognises an unreachable dependency (503). */
export function describeError(err: unknown, isOutage: OutageClassifier): Problem {
  if (isAuthError(err)) {
    return {
      status: STATUS_BY_CODE[err.code],
      code: err.code.toLowerCase(),
      message: err.message,
      ...(err.field ? { field: err.field } : {}),
      ...(err.retryAfter !== undefined ? { retryAfter: err.retryAfter } : {}),
    };
  }
  if (err instanceof BodyError) return { status: 400, code: err.code.toLowerCase(), message: err.message };
  if (err instanceof HttpsRequiredError) return { status: 403, code: 'https_required', message: err.message };
  const fe = err as FastifyError;
  if (fe && (fe as { validation?: unknown }).validation) return describeValidation(fe);
  if (isOutage(err)) {
    return { status: 503, code: 'unavailable', message: 'the service is temporarily unavailable', retryAfter: 2 };
  }
  switch (fe?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, code: 'payload_too_large', message: 'the request body is too large' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, code: 'unsupported_media_type', message: 'send the body as application/json' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, code: 'invalid_json', message: 'the request body is empty' };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, code: 'bad_request', message: 'the Content-Length does not match the body' };
  }
  const status = typeof fe?.statusCode === 'number' ? fe.statusCode : 500;
  if (status >= 400 && status < 500) return { status, code: 'bad_request', message: 'the request could not be processed' };
  return { status: 500, code: 'internal_error', message: 'an unexpected error occurred', unexpected: true };
}
