/**
 * The ports and domain types of passkeys (docs/security.md, "Passkeys"): where credentials and
 * ceremony challenges are stored, and the WebAuthn ceremonies themselves (a library behind a
 * port, src/crypto/webauthn.ts: the core parses and verifies no WebAuthn structure).
 */
import type { Tx } from '../ports.js';

/** A credential a verified registration yields (public material only). */
export interface VerifiedCredential {
  /** The credential id, base64url (unique across accounts). */
  credentialId: string;
  /** The COSE public key, base64url. */
  publicKey: string;
  /** The authenticator's signature counter as last seen (0: the authenticator keeps none). */
  counter: number;
  transports: string[];
  /** `singleDevice` or `multiDevice` (a synced passkey). */
  deviceType: string;
  /** True when the authenticator says the credential is backed up (synced). */
  backedUp: boolean;
}

/** A registered WebAuthn credential of an account. Only public material is stored. */
export interface Passkey extends VerifiedCredential {
  id: string;
  accountId: string;
  /** The owner's name for it ("Laptop"). */
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

/** What a ceremony's challenge is for; a challenge is accepted only for its own purpose. */
export type CeremonyPurpose = 'register' | 'sign_in' | 'second_step' | 'owner_proof';

/** A ceremony challenge, stored server-side: single use, short-lived, bound to an account except for sign-in. */
export interface CeremonyChallenge {
  id: string;
  /** The challenge as the browser returns it in clientDataJSON (base64url). */
  challenge: string;
  purpose: CeremonyPurpose;
  accountId: string | null;
  createdAt: number;
  expiresAt: number;
}

export interface PasskeyStore {
  /** Stores a passkey; throws UniqueViolation when its credential id is registered already. */
  insert(tx: Tx, passkey: Passkey): Promise<void>;
  /** The account's passkeys, oldest first. */
  list(tx: Tx, accountId: string): Promise<Passkey[]>;
  /** The passkey with this credential id, or null. */
  findByCredentialId(tx: Tx, credentialId: string): Promise<Passkey | null>;
  /** Records a verified use: the new counter, the backup flag, the time. */
  recordUse(tx: Tx, id: string, counter: number, backedUp: boolean, now: number): Promise<void>;
  /** Deletes one passkey of the account; false when it has none with this id. */
  delete(tx: Tx, accountId: string, id: string): Promise<boolean>;
  /** Deletes every passkey of the account (an operator's reset); resolves to how many. */
  deleteAll(tx: Tx, accountId: string): Promise<number>;
  /** Stores a ceremony challenge. */
  insertChallenge(tx: Tx, challenge: CeremonyChallenge): Promise<void>;
  /** Marks the unused, unexpired challenge with this value and purpose used and returns it; null otherwise. Atomic. */
  takeChallenge(tx: Tx, challenge: string, purpose: CeremonyPurpose, now: number): Promise<CeremonyChallenge | null>;
}

/** The options a browser passes to `navigator.credentials.create/get` (JSON), and their challenge. */
export interface CeremonyOptions {
  options: Record<string, unknown>;
  challenge: string;
}

/** What a browser's response claims before verification: which challenge it answers, which credential, which user. */
export interface ResponseClaims {
  challenge: string;
  credentialId: string;
  /** The user handle (the account id given at registration), or null when the response carries none. */
  userHandle: string | null;
}

/** The WebAuthn ceremonies (relying party id and origin from PUBLIC_URL); user verification is always required. */
export interface WebAuthnCeremonies {
  /** Options to create a discoverable credential for the account, excluding those it has. */
  registrationOptions(account: { id: string; name: string }, existing: Passkey[]): Promise<CeremonyOptions>;
  /** Verifies a registration response against `challenge`; null when it does not verify. */
  verifyRegistration(response: unknown, challenge: string): Promise<VerifiedCredential | null>;
  /** Options to get an assertion; `allow` empty: any discoverable credential of this site. */
  authenticationOptions(allow: Passkey[]): Promise<CeremonyOptions>;
  /** Verifies an assertion by `passkey` against `challenge`; the new counter and backup flag, or null. */
  verifyAuthentication(response: unknown, challenge: string, passkey: Passkey): Promise<{ counter: number; backedUp: boolean } | null>;
  /** The claims of a response (unverified); null for anything that is not a well-formed response. */
  readResponse(response: unknown): Promise<ResponseClaims | null>;
}

/** What the passkey flows need. */
export interface PasskeyDeps {
  store: PasskeyStore;
  ceremonies: WebAuthnCeremonies;
  /** Seconds a ceremony's challenge lives. */
  challengeTtl: number;
}
