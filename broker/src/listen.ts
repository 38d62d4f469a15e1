import type { Server } from 'node:net';
import { StartupError } from '@typedcluster/core';

/** Listens, turning the usual failures into one line with a hint; resolves the port actually bound. */
export function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      const where = `${host}:${port}`;
      if (e.code === 'EADDRINUSE') {
        reject(new StartupError('PORT_IN_USE', `MQTT port ${where} is already in use`, `set MQTT_PORT to a free port, or stop what listens there (ss -ltnp 'sport = :${port}')`));
      } else if (e.code === 'EACCES') {
        reject(new StartupError('CONFIG_INVALID', `not allowed to listen on MQTT port ${where}`, 'set MQTT_PORT to 1024 or above, or run with the right to bind low ports'));
      } else if (e.code === 'EADDRNOTAVAIL') {
        reject(new StartupError('CONFIG_INVALID', `MQTT_BIND_ADDRESS ${host} is not an address of this machine`, 'set MQTT_BIND_ADDRESS to one of its addresses, 127.0.0.1 or 0.0.0.0'));
      } else {
        reject(e);
      }
    };
    server.once('error', onError);
    server.listen({ host, port }, () => {
      server.off('error', onError);
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : port);
    });
  });
}
