// Baseline for database-checked requests on PostgreSQL: bare Fastify doing one primary-key
// SELECT through pg per request (a named prepared statement, a pool of 10 like Latchkey's
// default), on a table of its own in schema bench_bare (1,000 rows, made at start). The ceiling
// a session check on PostgreSQL can approach: one round trip, nothing else.
import Fastify from 'fastify';
import pg from 'pg';

const url = process.env.BARE_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const pool = new pg.Pool({ connectionString: url, max: 10, options: '-c search_path=bench_bare' });
const setup = new pg.Client({ connectionString: url });
await setup.connect();
await setup.query('create schema if not exists bench_bare');
await setup.query('create table if not exists bench_bare.accounts (id uuid primary key, username text not null)');
await setup.query(`insert into bench_bare.accounts select md5(i::text)::uuid, 'user-' || i from generate_series(1, 1000) i on conflict do nothing`);
const ids = (await setup.query('select id from bench_bare.accounts order by id')).rows.map((r) => r.id);
await setup.end();

let turn = 0;
const app = Fastify({ logger: false });
app.get('/', async () => {
  const id = ids[turn++ % ids.length];
  const { rows } = await pool.query({ name: 'bare_pk', text: 'select id, username from accounts where id = $1', values: [id] });
  return { ok: true, result: rows[0] };
});
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
process.stdout.write(`listening ${app.server.address().port}\n`);
process.on('SIGTERM', () => app.close().then(() => pool.end()).then(() => process.exit(0)));
