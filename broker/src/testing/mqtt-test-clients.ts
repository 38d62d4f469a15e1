import { connect as connectTcp, type Socket } from 'node:net';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

/**
 * Real MQTT.js clients for broker tests (ours and Mosquitto alike): connect
 * and report the CONNACK outcome, collect what a subscriber receives, and a
 * raw socket for bytes no client library would send.
 */
export type Connected = { readonly ok: true; readonly client: MqttClient } | { readonly ok: false; readonly returnCode: number | undefined; readonly message: string };

/** MQTT 3.1.1, no automatic reconnect (a test must see a dropped connection stay dropped). */
export function connectClient(url: string, opts: IClientOptions = {}): Promise<Connected> {
  return new Promise((resolve) => {
    const client = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...opts });
    // Collect from the start: messages queued for a persistent session arrive
    // right behind the CONNACK, before an awaiting caller could listen.
    collect(client);
    client.once('connect', () => resolve({ ok: true, client }));
    client.once('error', (e: Error & { code?: unknown }) => {
      client.end(true);
      resolve({ ok: false, returnCode: typeof e.code === 'number' ? e.code : undefined, message: e.message });
    });
  });
}

/** Like connectClient, but a refusal fails the test. */
export async function mustConnect(url: string, opts: IClientOptions = {}): Promise<MqttClient> {
  const c = await connectClient(url, opts);
  if (!c.ok) throw new Error(`connect as ${String(opts.username)} refused: ${c.message}`);
  return c.client;
}

export interface Received {
  readonly topic: string;
  readonly payload: Buffer;
}

export interface Inbox {
  readonly messages: Received[];
  /** Resolves with the first message satisfying `pred` (already received or still to come); rejects after `ms`. */
  waitFor(pred: (m: Received) => boolean, ms?: number): Promise<Received>;
}
const inboxes = new WeakMap<MqttClient, Inbox>();

/** Everything `client` received since connectClient made it, and a way to wait for some of it. */
export function collect(client: MqttClient): Inbox {
  const existing = inboxes.get(client);
  if (existing) return existing;
  const messages: Received[] = [];
  const waiters: Array<() => void> = [];
  client.on('message', (topic, payload) => {
    messages.push({ topic, payload: Buffer.from(payload) });
    for (const w of waiters.splice(0)) w();
  });
  const inbox: Inbox = {
    messages,
    waitFor(pred, ms = 5000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching message within ${ms} ms (got ${messages.map((m) => m.topic).join(', ') || 'none'})`)), ms);
        const check = () => {
          const m = messages.find(pred);
          if (m) {
            clearTimeout(timer);
            resolve(m);
          } else waiters.push(check);
        };
        check();
      });
    },
  };
  inboxes.set(client, inbox);
  return inbox;
}

/** True when the connection closes within `ms` (the broker dropped it), false if it stays up. */
export function closesWithin(client: MqttClient, ms: number): Promise<boolean> {
  if (!client.connected) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    client.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** The SUBACK codes for `filters` (128: refused); MQTT.js rejects when any is refused, this does not. */
export async function subscribeCodes(client: MqttClient, filters: string[], qos: 0 | 1 = 1): Promise<number[]> {
  try {
    return (await client.subscribeAsync(filters, { qos })).map((g) => g.qos);
  } catch (e) {
    const granted = (e as { packet?: { granted?: unknown } }).packet?.granted;
    if (Array.isArray(granted)) return granted.map((g) => (typeof g === 'number' ? g : (g as { qos: number }).qos));
    throw e;
  }
}

export const endAll = (...clients: Array<MqttClient | undefined>) => Promise.all(clients.map((c) => c?.endAsync(true)));

/** A CONNECT packet (MQTT 3.1.1, clean session, username and password), for raw-socket tests. */
export function connectPacket(clientId: string, username: string, password: string): Buffer {
  const str = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
  };
  const body = Buffer.concat([str('MQTT'), Buffer.from([4, 0xc2, 0, 60]), str(clientId), str(username), str(password)]);
  if (body.length > 127) throw new Error('test CONNECT too long for a 1-byte length');
  return Buffer.concat([Buffer.from([0x10, body.length]), body]);
}

/** Sends `bytes` on a raw socket; resolves when the broker closes it (or rejects after `ms`). */
export function sendRaw(port: number, bytes: Buffer[], ms = 5000): Promise<{ received: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connectTcp({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the broker kept the connection open for ${ms} ms`));
    }, ms);
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ received: Buffer.concat(chunks) });
    });
    socket.on('connect', async () => {
      for (const b of bytes) {
        socket.write(b);
        await new Promise((r) => setTimeout(r, 20));
      }
    });
  });
}
