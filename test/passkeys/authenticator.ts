/**
 * A software authenticator for server-side passkey tests: a P-256 key per credential, answering
 * registration (`none` attestation) and assertion ceremonies as a browser would hand them to
 * Latchkey (the JSON of @simplewebauthn/browser). CBOR comes from the WebAuthn library's own
 * helpers. Chromium's virtual authenticator covers the real browser (browser.test.ts); this one
 * lets a test make answers a browser would not: replayed, for another challenge, unknown keys.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

const b64url = (data: Uint8Array | string): string => Buffer.from(data).toString('base64url');
const sha256 = (data: Uint8Array | string): Buffer => createHash('sha256').update(data).digest();

/** Flags of authenticator data: user present, user verified, attested credential data. */
const UP = 0x01;
const UV = 0x04;
const AT = 0x40;

export interface SoftCredential {
  id: Buffer;
  key: KeyObject;
  publicJwk: { x: string; y: string };
  counter: number;
  /** The user handle given at registration (base64url), returned with assertions. */
  userHandle: string;
}

export interface SoftAuthenticator {
  /** Answers registration options (as the page embeds them): the response JSON, and the new credential. */
  register(options: any, origin?: string): { response: Record<string, unknown>; credential: SoftCredential };
  /** Answers assertion options with `credential` (its counter advances): the response JSON. */
  assert(options: any, credential: SoftCredential, overrides?: { origin?: string; userVerified?: boolean }): Record<string, unknown>;
}

function clientData(type: string, challenge: string, origin: string): Buffer {
  return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }), 'utf8');
}

/** An authenticator for the relying party `rpId` at `origin` (the test instance: localhost, http://localhost:3000). */
export function softAuthenticator(rpId = 'localhost', origin = 'http://localhost:3000'): SoftAuthenticator {
  const counterBytes = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  return {
    register(options, at = origin) {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const jwk = publicKey.export({ format: 'jwk' }) as { x: string; y: string };
      const id = randomBytes(16);
      const cose = isoCBOR.encode(new Map<number, number | Uint8Array>([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(jwk.x, 'base64url')], [-3, Buffer.from(jwk.y, 'base64url')]]));
      const idLength = Buffer.alloc(2);
      idLength.writeUInt16BE(id.length);
      const authData = Buffer.concat([sha256(rpId), Buffer.from([UP | UV | AT]), counterBytes(0), Buffer.alloc(16), idLength, id, Buffer.from(cose)]);
      const attestationObject = isoCBOR.encode(new Map<string, unknown>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]) as never);
      const credential: SoftCredential = { id, key: privateKey, publicJwk: jwk, counter: 0, userHandle: options.user.id as string };
      const response = {
        id: b64url(id),
        rawId: b64url(id),
        type: 'public-key',
        response: { clientDataJSON: b64url(clientData('webauthn.create', options.challenge, at)), attestationObject: b64url(attestationObject), transports: ['internal'] },
        clientExtensionResults: {},
        authenticatorAttachment: 'platform',
      };
      return { response, credential };
    },

    assert(options, credential, overrides = {}) {
      credential.counter += 1;
      const flags = UP | (overrides.userVerified === false ? 0 : UV);
      const authData = Buffer.concat([sha256(rpId), Buffer.from([flags]), counterBytes(credential.counter)]);
      const data = clientData('webauthn.get', options.challenge, overrides.origin ?? origin);
      const signature = sign('sha256', Buffer.concat([authData, sha256(data)]), credential.key);
      return {
        id: b64url(credential.id),
        rawId: b64url(credential.id),
        type: 'public-key',
        response: { clientDataJSON: b64url(data), authenticatorData: b64url(authData), signature: b64url(signature), userHandle: credential.userHandle },
        clientExtensionResults: {},
        authenticatorAttachment: 'platform',
      };
    },
  };
}
