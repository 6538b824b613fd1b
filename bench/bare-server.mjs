// Baseline: a bare Fastify server answering a constant JSON body, the ceiling for any session
// check. Same Fastify, same Node, no logger, no database.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/', async () => ({ ok: true, result: { id: 'constant' } }));
// The same answer to a POST with a JSON body (Fastify's own parser): what reading and parsing a
// body costs the framework alone (bench/baselines.ts, JSON_POST).
app.post('/', async () => ({ ok: true, result: { id: 'constant' } }));
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
process.stdout.write(`listening ${app.server.address().port}\n`);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
