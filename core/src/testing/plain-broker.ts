import { createServer, type Server, type Socket } from 'node:net';
import { Aedes, type AedesOptions } from 'aedes';

/**
 * For tests of device-side code: a real Aedes broker (in-memory, no
 * authentication) on a fixed port, that can be killed like a crashed
 * broker and started again on the same port. Not exported by the package.
 */
export interface PlainBroker {
  /** Stops abruptly, as a crash or a pulled cable would: sockets destroyed, no DISCONNECT. */
  kill(): Promise<void>;
}

export async function startPlainBroker(port: number, options: Partial<AedesOptions> = {}): Promise<PlainBroker> {
  const aedes = await Aedes.createBroker(options);
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    aedes.handle(s);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    async kill() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
