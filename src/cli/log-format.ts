/**
 * Logs for people: one short coloured line per pino record on a terminal, instead of JSON
 * (LOG_FORMAT, README "Configuration"). A record the formatter cannot read is passed through
 * unchanged, so nothing is ever lost; the fields are the same as in JSON, only laid out.
 */
import { Writable } from 'node:stream';

const LEVELS: Record<number, { name: string; color: string }> = {
  10: { name: 'TRACE', color: '90' },
  20: { name: 'DEBUG', color: '90' },
  30: { name: 'INFO ', color: '32' },
  40: { name: 'WARN ', color: '33' },
  50: { name: 'ERROR', color: '31' },
  60: { name: 'FATAL', color: '41;97' },
};
const HIDDEN = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'v']);

/** A writable that turns pino's JSON lines into `HH:MM:SS LEVEL message key=value ...` on `out`. */
export function prettyLogStream(out: NodeJS.WritableStream, options: { color: boolean }): Writable {
  const paint = (code: string, text: string): string => (options.color ? `\u001b[${code}m${text}\u001b[0m` : text);
  let pending = '';
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      pending += chunk.toString();
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        out.write(`${formatRecord(pending.slice(0, newline), paint)}\n`);
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
      }
      done();
    },
  });
}

/** One JSON log line as a readable line; anything that is not a JSON object comes back as it was. */
export function formatRecord(line: string, paint: (code: string, text: string) => string = (_c, t) => t): string {
  let record: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return line;
    record = parsed as Record<string, unknown>;
  } catch {
    return line;
  }
  const level = LEVELS[record.level as number] ?? { name: String(record.level ?? '').padEnd(5), color: '0' };
  const time = typeof record.time === 'number' ? new Date(record.time).toISOString().slice(11, 19) : '';
  const { req, res, reqId, responseTime, ...rest } = record as Record<string, unknown> & { req?: { method?: string; path?: string }; res?: { statusCode?: number } };
  // Request lines read as `GET /login 200 12 ms [request id]`; every other field follows as key=value.
  const request = [
    req ? `${req.method ?? ''} ${req.path ?? ''}` : null,
    res ? paint(Number(res.statusCode) >= 500 ? '31' : Number(res.statusCode) >= 400 ? '33' : '36', String(res.statusCode)) : null,
    typeof responseTime === 'number' ? `${Math.round(responseTime)} ms` : null,
    typeof reqId === 'string' ? paint('2', `[${reqId.slice(0, 8)}]`) : null,
  ].filter((part): part is string => part !== null);
  const fields = Object.entries(rest)
    .filter(([key]) => !HIDDEN.has(key))
    .map(([key, value]) => `${paint('2', `${key}=`)}${typeof value === 'string' ? quoteIfNeeded(value) : JSON.stringify(value)}`);
  const message = typeof record.msg === 'string' ? record.msg : '';
  return [paint('2', time), paint(level.color, level.name), message, ...request, ...fields].filter(Boolean).join(' ');
}

function quoteIfNeeded(value: string): string {
  return /^[\w.:/@+?=&%#~-]+$/.test(value) ? value : JSON.stringify(value);
}
