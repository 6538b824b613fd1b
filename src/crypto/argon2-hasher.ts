/**
 * Passwords are stored as argon2id PHC strings (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`,
 * random 16-byte salt), computed off the event loop by @node-rs/argon2. The parameters are in
 * the string, so a hash made with older (weaker) parameters is recognised and upgraded at login.
 */
import { hash, verify } from '@node-rs/argon2';
import type { PasswordHasher } from '../core/credentials/ports.js';

export interface Argon2Params {
  memoryKib: number;
  timeCost: number;
  parallelism: number;
}

const ARGON2ID = 2; // Algorithm.Argon2id (a const enum in the package's typings)
const PHC_PARAMS = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/;

/** An argon2id PasswordHasher with fixed parameters. */
export function createArgon2Hasher(params: Argon2Params): PasswordHasher {
  const options = {
    algorithm: ARGON2ID,
    memoryCost: params.memoryKib,
    timeCost: params.timeCost,
    parallelism: params.parallelism,
    outputLen: 32,
  } as const;
  return {
    hash: (password) => hash(password, options as Parameters<typeof hash>[1]),
    async verify(stored, password) {
      if (!PHC_PARAMS.test(stored)) return false;
      try {
        return await verify(stored, password);
      } catch {
        return false;
      }
    },
    needsRehash(stored) {
      const m = PHC_PARAMS.exec(stored);
      if (!m) return true;
      return Number(m[1]) !== params.memoryKib || Number(m[2]) !== params.timeCost || Number(m[3]) !== params.parallelism;
    },
  };
}
