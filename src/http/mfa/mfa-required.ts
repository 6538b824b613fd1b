/**
 * The JWT API's answer to a password step that needs a second step: `401 mfa_required` with the
 * step's single-use token and the methods on offer (docs/integration.md, "Second factor").
 */
import type { FastifyReply } from 'fastify';
import type { MfaRequiredError } from '../../core/mfa/errors.js';
import { markSecondStepAsked } from './step-marks.js';

/** Answers a password step that needs a second step: `401 mfa_required` with the step's token and methods. */
export function sendMfaRequired(reply: FastifyReply, err: MfaRequiredError): FastifyReply {
  const error = { code: 'mfa_required', message: err.message, mfaToken: err.mfaToken, methods: err.methods, expiresIn: err.expiresIn };
  markSecondStepAsked(reply.request);
  return reply.code(401).send({ ok: false, error });
}

