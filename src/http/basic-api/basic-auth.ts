/**
 * HTTP Basic credentials (RFC 7617), parsed strictly: `Basic <base64>` only, at most 4 KiB
 * (a user-id and a password of 1023 bytes each fit easily), valid base64, strict UTF-8 (a
 * byte sequence that is not UTF-8 is refused rather than replaced, so two different byte
 * strings never become one password), split at the FIRST colon (a password may hold colons,
 * a user-id may not). Anything else is "no credentials" and the caller answers 401: a
 * malformed header can never reach the hasher or cause a 500. Parsing only: what the
 * credentials are worth is decided by the core (`authenticatePassword`).
 */
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const MAX_HEADER = 4096;
const BASIC = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i;
// RFC 7617 §2: the user-id and password must not contain control characters.
const CONTROL = /[\u0000-\u001f\u007f]/;

export interface BasicCredentials {
  username: string;
  password: string;
}

/** The credentials of an `Authorization: Basic ...` header, or null when absent or malformed. */
export function parseBasicCredentials(header: unknown): BasicCredentials | null {
  if (typeof header !== 'string' || header.length > MAX_HEADER) return null;
  const match = BASIC.exec(header);
  const encoded = match?.[1];
  if (!encoded) return null;
  const bytes = Buffer.from(encoded, 'base64');
  // Canonical base64 only (padding optional): Buffer's decoder silently skips junk, so re-encode and compare.
  const canonical = bytes.toString('base64');
  if (encoded !== canonical && encoded !== canonical.replace(/=+$/, '')) return null;
  let decoded: string;
  try {
    decoded = decoder.decode(bytes);
  } catch {
    return null;
  }
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  if (CONTROL.test(username) || CONTROL.test(password)) return null;
  return { username, password };
}
