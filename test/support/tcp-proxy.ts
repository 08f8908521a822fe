// A TCP proxy a test can cut: every byte goes through to the real server
// until `down()`, which drops every open connection and stops listening (a
// client then sees exactly what a server restart shows it: its sessions end
// and new connections are refused), and `up()` listens again on the same
// port. For PostgreSQL and domain controllers other runs share, where a real
// restart would disturb other people's tests.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  host: string;
  port: number;
  /** Connections accepted since the start (each a client session). */
  readonly accepted: number;
  /** Drops every connection and refuses new ones until `up()`. */
  down(): Promise<void>;
  /**
   * Goes down right after a client's bytes containing `text` were passed on
   * (e.g. a statement's SQL): the server got them, the client never hears
   * back. Resolves when it went down.
   */
  downAfterClientSends(text: string): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }, listenHost = '127.0.0.1'): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let accepted = 0;
  let trigger: { text: string; fire: () => void } | undefined;
  const onClient = (client: Socket): void => {
    accepted += 1;
    const upstream = connect(target.port, target.host);
    open.add(client);
    open.add(upstream);
    const cut = (): void => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', cut).on('close', cut);
    upstream.on('error', cut).on('close', cut);
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      if (trigger && chunk.includes(trigger.text)) {
        const fire = trigger.fire;
        trigger = undefined;
        // After the write is flushed: the server is to receive what the client sent.
        setImmediate(() => void stopListening().then(fire));
      }
    });
    upstream.pipe(client);
  };
  let server: Server = createServer(onClient);
  await new Promise<void>((resolve) => server.listen(0, listenHost, resolve));
  const port = (server.address() as { port: number }).port;
  let listening = true;

  async function stopListening(): Promise<void> {
    if (!listening) return;
    listening = false;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of open) s.destroy();
    open.clear();
    await closed;
  }

  return {
    host: listenHost,
    port,
    get accepted() {
      return accepted;
    },
    down: stopListening,
    downAfterClientSends(text) {
      return new Promise<void>((resolve) => {
        trigger = { text, fire: resolve };
      });
    },
    async up() {
      if (listening) return;
      server = createServer(onClient);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, listenHost, () => {
          server.removeListener('error', reject);
          resolve();
        });
      });
      listening = true;
    },
    close: stopListening,
  };
}
