/** A raw HTTP/1.1 client for the fuzz tests: what is written is exactly what the server reads. */
import assert from 'node:assert/strict';
import { connect } from 'node:net';

export const REQUEST_TIMEOUT_MS = 10_000;

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < body.length) {
    const eol = body.indexOf('\r\n', at);
    if (eol === -1) break;
    const size = Number.parseInt(body.subarray(at, eol).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(body.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

export function parseResponse(raw: Buffer): RawResponse {
  const end = raw.indexOf('\r\n\r\n');
  assert.ok(end > 0, `no complete response head in ${JSON.stringify(raw.subarray(0, 200).toString('latin1'))}`);
  const [statusLine = '', ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  assert.ok(match, `bad status line ${JSON.stringify(statusLine)}`);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  let body = raw.subarray(end + 4);
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = dechunk(body);
  return { status: Number(match[1]), headers, body };
}

/** Writes `bytes` to a fresh connection and reads the answer until the server closes it (send `Connection: close`). */
export function sendRaw(port: number, bytes: Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ port, host: '127.0.0.1' });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms (a hang)`));
    }, REQUEST_TIMEOUT_MS);
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks);
      // A server may answer (413, 431) and close before reading everything we wrote: EPIPE/ECONNRESET then.
      if (raw.length > 0) {
        try {
          resolve(parseResponse(raw));
        } catch (parseErr) {
          reject(parseErr as Error);
        }
      } else reject(err ?? new Error('the server closed the connection without an answer'));
    };
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => finish());
    socket.on('error', (err) => finish(err));
    // Written without half-closing: Node's server drops a pending answer when the client sends FIN
    // (httpAllowHalfOpen is off), which no browser or HTTP client does. `Connection: close` ends it.
    socket.on('connect', () => socket.write(bytes));
  });
}

export interface FuzzRequest {
  method: string;
  /** Request target as sent (path and query); non-ASCII is written as UTF-8. */
  target: string;
  headers: Array<[string, string]>;
  body?: Buffer;
}

export function serialize(req: FuzzRequest): Buffer {
  const head = [`${req.method} ${req.target} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
  for (const [name, value] of req.headers) head.push(`${name}: ${value}`);
  if (req.body !== undefined) head.push(`Content-Length: ${req.body.length}`);
  return Buffer.concat([Buffer.from(head.join('\r\n') + '\r\n\r\n', 'utf8'), req.body ?? Buffer.alloc(0)]);
}

/** A short description of a request for assertion messages (secrets are test-only values). */
export function describeRequest(req: FuzzRequest): string {
  const body = req.body === undefined ? '' : ` body(${req.body.length})=${JSON.stringify(req.body.subarray(0, 300).toString('latin1'))}`;
  return `${req.method} ${req.target.slice(0, 300)} headers=${JSON.stringify(req.headers.map(([n, v]) => [n, v.slice(0, 120)]))}${body}`;
}
