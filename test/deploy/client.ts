/**
 * A small HTTPS/HTTP client for the deployment test: it connects to nginx on 127.0.0.1 from a
 * chosen loopback address (so nginx sees distinct client addresses: 127.0.0.2, 127.0.0.3, ...),
 * sends the Host header of the server name, and trusts only the test's self-signed certificate.
 * Every request has a deadline, so a hung proxy fails the test instead of hanging it.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as http2Connect } from 'node:http2';
import { connect as tlsConnect } from 'node:tls';

export const REQUEST_TIMEOUT_MS = 60_000;

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json(): any;
}

export interface Target {
  serverName: string;
  httpsPort: number;
  httpPort: number;
  ca: Buffer;
}

export interface Options {
  /** The loopback address the connection comes from (what nginx sees as the client). */
  from?: string;
  headers?: Record<string, string>;
  json?: unknown;
  form?: Record<string, string>;
  body?: string;
  /** Plain HTTP to the port-80 server block instead of https. */
  plain?: boolean;
}

/** One request through nginx; resolves with the whole answer. */
export function send(target: Target, method: string, path: string, options: Options = {}): Promise<Answer> {
  const port = options.plain ? target.httpPort : target.httpsPort;
  let body: string | undefined = options.body;
  const headers: Record<string, string> = { host: `${target.serverName}:${port}`, ...options.headers };
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] ??= 'application/json';
  } else if (options.form !== undefined) {
    body = new URLSearchParams(options.form).toString();
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
  }
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  const common = { host: '127.0.0.1', port, method, path, headers, agent: false as const, localAddress: options.from ?? '127.0.0.9' };
  return new Promise((resolve, reject) => {
    const req = options.plain
      ? httpRequest(common)
      : httpsRequest({ ...common, servername: target.serverName, ca: target.ca });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`${method} ${path}: no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)));
    req.once('error', reject);
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('error', reject);
      res.once('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
      });
    });
    req.end(body);
  });
}

/** GET `path` over HTTP/2 (negotiated by ALPN); resolves with the status and the protocol agreed. */
export function getOverHttp2(target: Target, path: string): Promise<{ alpn: string | false; status: number }> {
  return new Promise((resolve, reject) => {
    let alpn: string | false = false;
    const session = http2Connect(`https://${target.serverName}:${target.httpsPort}`, {
      createConnection: () => {
        const socket = tlsConnect({ host: '127.0.0.1', port: target.httpsPort, servername: target.serverName, ca: target.ca, ALPNProtocols: ['h2', 'http/1.1'] });
        socket.once('secureConnect', () => (alpn = socket.alpnProtocol ?? false));
        return socket;
      },
    });
    const timer = setTimeout(() => session.destroy(new Error(`HTTP/2 GET ${path}: no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)), REQUEST_TIMEOUT_MS);
    session.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    const stream = session.request({ ':path': path, ':method': 'GET' });
    stream.once('response', (headers) => {
      stream.resume();
      stream.once('end', () => {
        clearTimeout(timer);
        session.close();
        resolve({ alpn, status: Number(headers[':status']) });
      });
    });
    stream.once('error', (err) => {
      clearTimeout(timer);
      session.destroy();
      reject(err);
    });
    stream.end();
  });
}
