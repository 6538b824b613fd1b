/**
 * A TCP proxy the tests can cut: `down()` drops every connection and refuses new ones (each is
 * reset at once), `up()` lets them through again. Placed between Latchkey and PostgreSQL it
 * plays a database outage without touching the database server other tests use. `stall()` keeps
 * the open connections but stops moving their bytes (a silent network fault) until `up()`.
 */
import { connect, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  down(): void;
  /** Open connections stay open but carry nothing until up(); new ones work. */
  stall(): void;
  up(): void;
  close(): Promise<void>;
}

export function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let isDown = false;
  const server = createServer((client) => {
    if (isDown) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(targetPort, targetHost);
    sockets.add(client);
    sockets.add(upstream);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({
        port,
        down() {
          isDown = true;
          for (const s of sockets) s.resetAndDestroy();
          sockets.clear();
        },
        stall() {
          for (const s of sockets) s.pause();
        },
        up() {
          isDown = false;
          for (const s of sockets) s.resume();
        },
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
