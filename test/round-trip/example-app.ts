/**
 * The example app of the round-trip test: a tiny back end on a sibling host (app.example.test)
 * served over TLS. It has no accounts of its own: it reads the `sessionid` cookie that
 * COOKIE_DOMAIN lets the browser send it, asks Latchkey's POST /api/v1/introspect with its
 * service key who that is (README "Service integration"), and sends an unknown visitor to
 * Latchkey's /signup with a `return_to` pointing back at /welcome.
 */
import { request as httpsRequest, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface ExampleAppOptions {
  /** The app's own origin, e.g. https://app.example.test:PORT. */
  origin: string;
  /** Latchkey's PUBLIC_URL. */
  latchkeyUrl: string;
  /** Where Latchkey listens (the TLS port on loopback). */
  latchkeyPort: number;
  serviceKey: string;
  tls: { key: string; cert: string };
}

export interface ExampleApp {
  server: Server;
  /** Every introspection answer the back end received, in order. */
  introspections: Array<Record<string, unknown>>;
}

function cookieValue(req: IncomingMessage, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return null;
}

/** POST /api/v1/introspect over TLS, trusting only the test's certificate. */
function introspect(options: ExampleAppOptions, session: string): Promise<Record<string, unknown>> {
  const body = JSON.stringify({ session });
  const host = new URL(options.latchkeyUrl).host;
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port: options.latchkeyPort,
        servername: new URL(options.latchkeyUrl).hostname,
        ca: options.tls.cert,
        method: 'POST',
        path: '/api/v1/introspect',
        headers: { host, authorization: `Bearer ${options.serviceKey}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: 20_000,
      },
      (res) => {
        let text = '';
        res.on('data', (chunk) => (text += String(chunk)));
        res.on('end', () => {
          try {
            resolve((JSON.parse(text) as { result: Record<string, unknown> }).result ?? {});
          } catch (err) {
            reject(err);
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('introspection timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Serves the example app on `server`: an https server already listening on 127.0.0.1, with no
 * request handler of its own (the test listens first, on a port the OS picks, so that no other
 * socket can take the port while Latchkey starts).
 */
export function startExampleApp(server: Server, options: ExampleAppOptions): ExampleApp {
  const introspections: Array<Record<string, unknown>> = [];
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const session = cookieValue(req, 'sessionid');
    const who = session === null ? { active: false } : await introspect(options, session);
    if (session !== null) introspections.push(who);
    if (who.active !== true) {
      const back = `${options.origin}/welcome`;
      res.writeHead(302, { location: `${options.latchkeyUrl}/signup?return_to=${encodeURIComponent(back)}` }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>Example app</title><h1>Welcome back</h1><p id="who">Signed in as <span id="uuid">${String(who.uuid)}</span> on ${req.url}</p>`);
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: unknown) => res.writeHead(502).end(String(err)));
  });
  return {
    server,
    introspections,
  };
}
