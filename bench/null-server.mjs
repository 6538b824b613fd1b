// The load generator's own ceiling: a server over node:net that answers every GET with one
// prebuilt HTTP/1.1 response (the bytes bare Fastify sends for its constant) without parsing
// anything but the end of each request head. Whatever rate a loader reaches against it is the
// most that loader can measure on this machine (bench/loader-ceiling.ts).
import { createServer } from 'node:net';

const body = JSON.stringify({ ok: true, result: { id: 'constant' } });
const answer = Buffer.from(
  `HTTP/1.1 200 OK\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${body.length}\r\nDate: Sun, 06 Dec 2026 00:00:00 GMT\r\nConnection: keep-alive\r\nKeep-Alive: timeout=72\r\n\r\n${body}`,
);
const server = createServer((socket) => {
  socket.setNoDelay(true);
  let tail = '';
  socket.on('data', (chunk) => {
    const text = tail + chunk.toString('latin1');
    let at = 0;
    let n = 0;
    for (;;) {
      const end = text.indexOf('\r\n\r\n', at);
      if (end < 0) break;
      n++;
      at = end + 4;
    }
    tail = text.slice(at);
    if (n === 1) socket.write(answer);
    else if (n > 1) socket.write(Buffer.concat(Array.from({ length: n }, () => answer)));
  });
  socket.on('error', () => socket.destroy());
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
