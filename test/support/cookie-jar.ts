/**
 * A tiny cookie jar for app.inject tests: parses Set-Cookie answers (name, value, attributes)
 * and replays the live cookies as a Cookie header, the way a browser would for one origin.
 */

export interface SetCookie {
  name: string;
  value: string;
  /** Attribute names lower-cased; flag attributes (HttpOnly, Secure) map to true. */
  attributes: Record<string, string | true>;
}

interface HasHeaders {
  headers: Record<string, string | string[] | number | undefined>;
}

/** Parses one Set-Cookie header value. */
export function parseSetCookie(header: string): SetCookie {
  const [pair = '', ...rest] = header.split(';');
  const eq = pair.indexOf('=');
  const attributes: Record<string, string | true> = {};
  for (const part of rest) {
    const i = part.indexOf('=');
    if (i === -1) attributes[part.trim().toLowerCase()] = true;
    else attributes[part.slice(0, i).trim().toLowerCase()] = part.slice(i + 1).trim();
  }
  return { name: pair.slice(0, eq).trim(), value: decodeURIComponent(pair.slice(eq + 1).trim()), attributes };
}

/** Every Set-Cookie of a response, parsed. */
export function setCookies(res: HasHeaders): SetCookie[] {
  const raw = res.headers['set-cookie'];
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [String(raw)];
  return list.map(parseSetCookie);
}

/** The Set-Cookie named `name` in a response, or undefined. */
export function findSetCookie(res: HasHeaders, name: string): SetCookie | undefined {
  return setCookies(res).find((c) => c.name === name);
}

export class CookieJar {
  private readonly cookies = new Map<string, string>();

  /** Applies a response's Set-Cookie headers (Max-Age=0 or an empty value deletes). */
  update(res: HasHeaders): this {
    for (const c of setCookies(res)) {
      if (c.attributes['max-age'] === '0' || c.value === '') this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    return this;
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  set(name: string, value: string): this {
    this.cookies.set(name, value);
    return this;
  }

  delete(name: string): this {
    this.cookies.delete(name);
    return this;
  }

  /** A copy of this jar (a second browser sharing nothing after this point). */
  clone(): CookieJar {
    const copy = new CookieJar();
    for (const [k, v] of this.cookies) copy.set(k, v);
    return copy;
  }

  /** The Cookie request header ('' when empty). */
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** `{ cookie: … }` to spread into request headers (nothing when empty). */
  headers(): Record<string, string> {
    const value = this.header();
    return value ? { cookie: value } : {};
  }
}
