/**
 * The WebAuthn ceremonies with @simplewebauthn/server 13 (docs/decisions.md, "Passkeys:
 * SimpleWebAuthn 13"). The relying party id is the PUBLIC_URL host and the only accepted origin
 * is the PUBLIC_URL origin, so a credential made here answers nowhere else and a response made
 * for another site is refused. User verification is required in every ceremony (a passkey signs
 * in alone, so it must be two factors by itself: the device and its PIN or biometric).
 * Attestation is not asked for (`none`): Latchkey trusts no authenticator vendor list.
 *
 * The library (with its ASN.1 and X.509 dependencies, about 25 MiB resident) is imported on the
 * first ceremony, not at start-up: a node whose users never touch a passkey never loads it
 * (docs/decisions.md, "Speed", what is not used is not loaded).
 */
import type { AuthenticationResponseJSON, AuthenticatorTransportFuture, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { Passkey, ResponseClaims, WebAuthnCeremonies } from '../core/passkeys/ports.js';

type Library = typeof import('@simplewebauthn/server') & Pick<typeof import('@simplewebauthn/server/helpers'), 'decodeClientDataJSON' | 'isoBase64URL'>;
let library: Promise<Library> | undefined;

/** @simplewebauthn/server and its helpers, imported once on first use. */
function webauthn(): Promise<Library> {
  library ??= Promise.all([import('@simplewebauthn/server'), import('@simplewebauthn/server/helpers')]).then(([server, helpers]) => ({
    ...server,
    decodeClientDataJSON: helpers.decodeClientDataJSON,
    isoBase64URL: helpers.isoBase64URL,
  }));
  return library;
}

/** Milliseconds the browser gives the user to answer (the challenge itself lives longer on the server). */
const BROWSER_TIMEOUT_MS = 120_000;

function descriptor(p: Passkey): { id: string; transports: AuthenticatorTransportFuture[] } {
  return { id: p.credentialId, transports: p.transports as AuthenticatorTransportFuture[] };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The ceremonies for the site at `publicUrl` (its host is the relying party id); `siteName` (BRAND_NAME) is what the browser names it. */
export function createWebAuthnCeremonies(publicUrl: string, siteName: string): WebAuthnCeremonies {
  const url = new URL(publicUrl);
  const rpID = url.hostname;
  // What every verification expects: this site's origin and RP id, and user verification.
  const expected = { expectedOrigin: url.origin, expectedRPID: rpID, requireUserVerification: true };
  return {
    async registrationOptions(account, existing) {
      const { generateRegistrationOptions } = await webauthn();
      const options = await generateRegistrationOptions({
        rpName: siteName,
        rpID,
        userName: account.name,
        userID: new TextEncoder().encode(account.id),
        attestationType: 'none',
        timeout: BROWSER_TIMEOUT_MS,
        excludeCredentials: existing.map(descriptor),
        authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      });
      return { options: options as unknown as Record<string, unknown>, challenge: options.challenge };
    },

    async verifyRegistration(response, challenge) {
      const { verifyRegistrationResponse, isoBase64URL } = await webauthn();
      try {
        const result = await verifyRegistrationResponse({
          response: response as RegistrationResponseJSON,
          expectedChallenge: challenge,
          ...expected,
        });
        if (!result.verified) return null;
        const info = result.registrationInfo;
        return {
          credentialId: info.credential.id,
          publicKey: isoBase64URL.fromBuffer(info.credential.publicKey),
          counter: info.credential.counter,
          transports: info.credential.transports ?? [],
          deviceType: info.credentialDeviceType,
          backedUp: info.credentialBackedUp,
        };
      } catch {
        return null; // the library throws for every kind of mismatch: all are "does not verify"
      }
    },

    async authenticationOptions(allow) {
      const { generateAuthenticationOptions } = await webauthn();
      const options = await generateAuthenticationOptions({ rpID, allowCredentials: allow.map(descriptor), userVerification: 'required', timeout: BROWSER_TIMEOUT_MS });
      return { options: options as unknown as Record<string, unknown>, challenge: options.challenge };
    },

    async verifyAuthentication(response, challenge, passkey) {
      const { verifyAuthenticationResponse, isoBase64URL } = await webauthn();
      try {
        const result = await verifyAuthenticationResponse({
          response: response as AuthenticationResponseJSON,
          expectedChallenge: challenge,
          ...expected,
          credential: { id: passkey.credentialId, publicKey: isoBase64URL.toBuffer(passkey.publicKey), counter: passkey.counter, transports: descriptor(passkey).transports },
        });
        if (!result.verified) return null;
        return { counter: result.authenticationInfo.newCounter, backedUp: result.authenticationInfo.credentialBackedUp };
      } catch {
        return null; // a wrong signature, origin, counter going back, missing user verification
      }
    },

    async readResponse(response): Promise<ResponseClaims | null> {
      if (!isRecord(response) || !isRecord(response.response) || typeof response.id !== 'string' || response.id.length > 1024) return null;
      const inner = response.response;
      const { decodeClientDataJSON, isoBase64URL } = await webauthn();
      if (typeof inner.clientDataJSON !== 'string' || inner.clientDataJSON.length > 8192 || !isoBase64URL.isBase64URL(response.id)) return null;
      try {
        const clientData = decodeClientDataJSON(inner.clientDataJSON);
        if (typeof clientData.challenge !== 'string' || clientData.challenge.length > 512) return null;
        const handle = typeof inner.userHandle === 'string' && inner.userHandle.length <= 512 ? isoBase64URL.toUTF8String(inner.userHandle) : null;
        return { challenge: clientData.challenge, credentialId: response.id, userHandle: handle };
      } catch {
        return null;
      }
    },
  };
}
