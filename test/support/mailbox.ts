/**
 * A real SMTP sink for tests: an smtp-server on loopback (no TLS, any or no AUTH accepted)
 * that parses every message with mailparser. Point an instance at it with
 * `createTestInstance({ smtpUrl: mailbox.url })`, then read the mail the way a user would:
 * `const mail = await mailbox.waitFor((m) => m.to.includes(email)); linkFrom(mail, '/confirm')`.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  links: string[];
}

export interface Mailbox {
  /** 'smtp://127.0.0.1:PORT' */
  url: string;
  /** Every message received so far, oldest first. */
  messages: ReceivedMail[];
  /** The first message (already received or arriving within `timeoutMs`, default 5000) matching `predicate`. */
  waitFor(predicate: (m: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  /** While down, the server refuses every message with 451. */
  setDown(down: boolean): void;
  /** How many messages were refused with 451 so far (each attempt counts). */
  readonly refused: number;
  stop(): Promise<void>;
}

const URL_PATTERN = /https?:\/\/[^\s<>"')\]]+/g;

/** The first link in `mail` whose pathname is `path` (e.g. '/confirm'); throws when there is none. */
export function linkFrom(mail: ReceivedMail, path: string): string {
  const link = mail.links.find((l) => new URL(l).pathname === path);
  if (link === undefined) throw new Error(`no ${path} link in "${mail.subject}" (links: ${mail.links.join(', ') || 'none'})`);
  return link;
}

/** Starts an SMTP sink on 127.0.0.1 (an ephemeral port unless `port` is given). */
export async function startMailbox(options: { port?: number } = {}): Promise<Mailbox> {
  const messages: ReceivedMail[] = [];
  const waiters = new Set<(m: ReceivedMail) => void>();
  let down = false;
  let refused = 0;

  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(_auth, _session, callback) {
      callback(null, { user: 'test' });
    },
    onMailFrom(_address, _session, callback) {
      if (!down) return callback();
      refused += 1;
      const err = new Error('4.3.0 Mailbox temporarily unavailable') as Error & { responseCode: number };
      err.responseCode = 451;
      callback(err);
    },
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          const text = parsed.text ?? '';
          const mail: ReceivedMail = {
            to: session.envelope.rcptTo.map((a) => a.address),
            from: parsed.from?.text ?? (session.envelope.mailFrom ? session.envelope.mailFrom.address : ''),
            subject: parsed.subject ?? '',
            text,
            html: typeof parsed.html === 'string' ? parsed.html : '',
            links: text.match(URL_PATTERN) ?? [],
          };
          messages.push(mail);
          for (const notify of [...waiters]) notify(mail);
          callback();
        },
        (err: Error) => callback(err),
      );
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  server.on('error', () => {});
  const { port } = server.server.address() as AddressInfo;

  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    waitFor(predicate, timeoutMs = 5000) {
      const found = messages.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching email within ${timeoutMs} ms (${messages.length} received)`));
        }, timeoutMs);
        const check = (m: ReceivedMail): void => {
          if (!predicate(m)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(m);
        };
        waiters.add(check);
      });
    },
    setDown(value) {
      down = value;
    },
    get refused() {
      return refused;
    },
    stop() {
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
