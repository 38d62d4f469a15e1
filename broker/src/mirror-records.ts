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

/** First byte of a binary queued-message value; a legacy JSON value starts with '{'. */
const PACKET_V1 = 0x01;
const PACKET_HEADER = 5;

/**
 * Value: what is needed to send the message again. Not brokerId, brokerCounter
 * or messageId: they belong to the broker run and connection that queued it.
 * Binary, so the payload goes to disk as it is (no base64, no JSON):
 * 0x01, qos, retain (0/1), topic length (u16 BE), topic (UTF-8), payload.
 */
export function encodePacket(packet: QueuedPacket): Uint8Array {
  const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : (packet.payload ?? Buffer.alloc(0));
  const topic = packet.topic ?? '';
  const topicBytes = Buffer.byteLength(topic);
  if (topicBytes > 0xffff) throw new RangeError(`topic of ${topicBytes} bytes`); // MQTT caps topics at 65,535 bytes
  const value = Buffer.allocUnsafe(PACKET_HEADER + topicBytes + payload.length);
  value[0] = PACKET_V1;
  value[1] = packet.qos ?? 0;
  value[2] = packet.retain ? 1 : 0;
  value.writeUInt16BE(topicBytes, 3);
  value.write(topic, PACKET_HEADER, 'utf8');
  payload.copy(value, PACKET_HEADER + topicBytes);
  return value;
}

type DecodedPacket = { clientId: string; seq: number; packet: { topic: string; qos: number; retain: boolean; payload: Buffer } };

/** Reads both the binary value and the JSON one (base64 payload) that brokers before it wrote. */
export function decodePacket(key: string, value: Uint8Array): DecodedPacket {
  const { clientId, rest } = splitKey(key);
  const seq = Number(rest);
  if (!Number.isSafeInteger(seq)) throw new Error(`malformed queued message ${key}`);
  const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (bytes[0] === PACKET_V1 && bytes.length >= PACKET_HEADER) {
    const end = PACKET_HEADER + bytes.readUInt16BE(3);
    if (end > bytes.length) throw new Error(`malformed queued message ${key}`);
    // A copy: the payload outlives the buffer LevelDB handed over.
    return { clientId, seq, packet: { topic: bytes.toString('utf8', PACKET_HEADER, end), qos: bytes[1]!, retain: bytes[2] === 1, payload: Buffer.from(bytes.subarray(end)) } };
  }
  const v = JSON.parse(bytes.toString('utf8')) as { topic: string; qos: number; retain: boolean; payload: string };
  if (typeof v.topic !== 'string' || typeof v.payload !== 'string') throw new Error(`malformed queued message ${key}`);
  return { clientId, seq, packet: { topic: v.topic, qos: v.qos, retain: v.retain, payload: Buffer.from(v.payload, 'base64') } };
}

function splitKey(key: string): { clientId: string; rest: string } {
  const colon = key.indexOf(':');
  if (colon < 0) throw new Error(`malformed mirror key ${key}`);
  return { clientId: decodeURIComponent(key.slice(0, colon)), rest: key.slice(colon + 1) };
}
