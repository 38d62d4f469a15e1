import assert from 'node:assert/strict';
import { decodePacket, encodePacket, outgoingKey } from './mirror-records.js';

describe('mirror records: queued messages on disk', () => {
  const key = outgoingKey('gate way', 42);

  it('encodes a message as 0x01, qos, retain, topic length, topic, payload (bytes as sent)', () => {
    const value = encodePacket({ cmd: 'publish', topic: 'readings/7', qos: 1, retain: false, payload: Buffer.from([0x00, 0xff, 0x7b]) });
    assert.deepEqual([...value], [0x01, 1, 0, 0, 10, ...Buffer.from('readings/7'), 0x00, 0xff, 0x7b]);
  });

  it('round-trips topic (UTF-8), qos, retain and any payload bytes, and the client id and seq of the key', () => {
    const payload = Buffer.from(Array.from({ length: 300 }, (_, i) => i % 256));
    const got = decodePacket(key, encodePacket({ cmd: 'publish', topic: 'plc/ñ/cycle', qos: 2, retain: true, payload }));
    assert.deepEqual(got, { clientId: 'gate way', seq: 42, packet: { topic: 'plc/ñ/cycle', qos: 2, retain: true, payload } });
  });

  it('writes a string payload as its UTF-8 bytes', () => {
    const got = decodePacket(key, encodePacket({ cmd: 'publish', topic: 't', qos: 1, payload: '{"a":"é"}' }));
    assert.equal(got.packet.payload.toString('utf8'), '{"a":"é"}');
  });

  it('still reads the JSON values (base64 payload) that brokers before the binary format wrote', () => {
    const legacy = Buffer.from(JSON.stringify({ topic: 'sensor/3/reading', qos: 1, retain: false, payload: Buffer.from([1, 2, 3]).toString('base64') }));
    assert.deepEqual(decodePacket(key, legacy).packet, { topic: 'sensor/3/reading', qos: 1, retain: false, payload: Buffer.from([1, 2, 3]) });
  });

  it('refuses a value whose topic runs past its end, and a key without a seq', () => {
    assert.throws(() => decodePacket(key, Uint8Array.from([0x01, 1, 0, 0, 9, 0x61])), /malformed queued message/);
    assert.throws(() => decodePacket('client:notanumber', encodePacket({ cmd: 'publish', topic: 't', qos: 1, payload: Buffer.alloc(0) })), /malformed queued message/);
  });
});
