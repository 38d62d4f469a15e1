import type { QueuedPacket, StoredSubscription } from 'aedes-persistence/asyncPersistence.js';

/**
 * How the broker's mirror lays sessions out in LevelDB: keys and values of
 * the two sublevels, as pure functions.
 *
 * Keys start with the client id, URI-encoded so it holds no ':' and the
 * first ':' ends it; a client's records are then adjacent, and a key scan
 * returns each client's queue in enqueue order because the sequence number
 * is zero-padded.
 */
export const SUBSCRIPTIONS_SUBLEVEL = 'mqtt-subscription';
export const OUTGOING_SUBLEVEL = 'mqtt-outgoing';

/** Wide enough for Number.MAX_SAFE_INTEGER. */
const SEQ_DIGITS = 16;

export function subscriptionKey(clientId: string, topic: string): string {
  return `${encodeURIComponent(clientId)}:${topic}`;
}

/** Value: the options Aedes restores on reconnect (MQTT 5's rh/rap/nl only when present). */
export function encodeSubscription(sub: StoredSubscription): string {
  return JSON.stringify({ qos: sub.qos, rh: sub.rh, rap: sub.rap, nl: sub.nl });
}

export function decodeSubscription(key: string, value: string): { clientId: string; sub: StoredSubscription } {
  const { clientId, rest: topic } = splitKey(key);
  const options = JSON.parse(value) as Omit<StoredSubscription, 'topic'>;
  return { clientId, sub: { topic, ...options } };
}

/** `seq` orders a client's queue; it is unique across the whole store. */
export function outgoingKey(clientId: string, seq: number): string {
  return `${encodeURIComponent(clientId)}:${String(seq).padStart(SEQ_DIGITS, '0')}`;
}

/**
 * Value: what is needed to send the message again. Not brokerId, brokerCounter
 * or messageId: they belong to the broker run and connection that queued it.
 */
export function encodePacket(packet: QueuedPacket): string {
  const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : (packet.payload ?? Buffer.alloc(0));
  return JSON.stringify({ topic: packet.topic, qos: packet.qos, retain: packet.retain ?? false, payload: payload.toString('base64') });
}

export function decodePacket(key: string, value: string): { clientId: string; seq: number; packet: { topic: string; qos: number; retain: boolean; payload: Buffer } } {
  const { clientId, rest } = splitKey(key);
  const seq = Number(rest);
  const v = JSON.parse(value) as { topic: string; qos: number; retain: boolean; payload: string };
  if (!Number.isSafeInteger(seq) || typeof v.topic !== 'string' || typeof v.payload !== 'string') throw new Error(`malformed queued message ${key}`);
  return { clientId, seq, packet: { topic: v.topic, qos: v.qos, retain: v.retain, payload: Buffer.from(v.payload, 'base64') } };
}

function splitKey(key: string): { clientId: string; rest: string } {
  const colon = key.indexOf(':');
  if (colon < 0) throw new Error(`malformed mirror key ${key}`);
  return { clientId: decodeURIComponent(key.slice(0, colon)), rest: key.slice(colon + 1) };
}
