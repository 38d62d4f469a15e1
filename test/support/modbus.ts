import { createServer, type Server, type Socket } from 'node:net';
import { ModbusTCPServer } from 'jsmodbus';
import { Registry } from 'prom-client';
import { PLC_REGISTER_COUNT } from '@typedcluster/core';

/** Resolves once `cond()` holds; rejects after `ms` with `what` (a deadline for something to happen, not a speed check). */
export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The second, independent Modbus implementation: a jsmodbus TCP server whose input registers the test writes. */
export interface OtherServer {
  readonly port: number;
  /** Replaces the input registers (same count as at start). */
  set(words: readonly number[]): void;
  stop(): Promise<void>;
  /** Listens again on the same port, with the same registers. */
  restart(): Promise<void>;
}

/** `words` sets the bank size: fewer than the map's 74 make full reads fail with exception 02. */
export async function startOtherServer(port: number, words: readonly number[] = new Array(PLC_REGISTER_COUNT).fill(0)): Promise<OtherServer> {
  const input = toBuffer(words);
  const sockets = new Set<Socket>();
  let net: Server | undefined;
  const listen = async () => {
    const server = createServer();
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    });
    new ModbusTCPServer(server, { input }); // serves `input` as it is at each request
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    net = server;
  };
  await listen();
  return {
    port,
    set(w) {
      if (w.length * 2 !== input.length) throw new Error(`bank holds ${input.length / 2} registers, not ${w.length}`);
      toBuffer(w).copy(input);
    },
    async stop() {
      const s = net;
      net = undefined;
      for (const sock of sockets) sock.destroy();
      if (s) await new Promise<void>((r) => s.close(() => r()));
    },
    restart: listen,
  };
}

function toBuffer(words: readonly number[]): Buffer {
  const b = Buffer.alloc(words.length * 2);
  for (const [i, w] of words.entries()) b.writeUInt16BE(w, i * 2);
  return b;
}

/**
 * A hand-written Modbus TCP server that answers every request with the PDU
 * `reply(unitId)` gives, whatever was asked: malformed answers and
 * exceptions on the wire.
 */
export async function startRawServer(port: number, reply: (unitId: number) => Buffer): Promise<{ stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.on('data', (req) => {
      if (req.length < 8) return;
      const body = reply(req[6]!);
      const mbap = Buffer.alloc(6);
      mbap.writeUInt16BE(req.readUInt16BE(0), 0);
      mbap.writeUInt16BE(body.length, 4);
      s.write(Buffer.concat([mbap, body]));
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** The value of a counter or gauge series in `registry`, 0 when absent. */
export async function metricValue(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const m = registry.getSingleMetric(name);
  if (!m) return 0;
  const { values } = await m.get();
  const hit = values.find((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want));
  return hit?.value ?? 0;
}
