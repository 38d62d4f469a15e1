import type { MqttClient } from 'mqtt';

/** MQTT.js's `handleMessage` callback: called with no error, it acknowledges. */
export type Done = (error?: Error) => void;

/** Tells MQTT.js not to acknowledge: the connector sends the PUBACK itself when every function is done. */
export const DEFERRED = new Error('acknowledged by the connector when done');

/**
 * MQTT.js sends a QoS 1 PUBACK when `handleMessage`'s callback is called,
 * and reads the next packet only after that: holding the callback would
 * allow one message in flight (`customHandleAcks` is MQTT 5 only, and as
 * serial). So the connector calls the callback with an error at once
 * (MQTT.js then reads on without acknowledging) and sends the PUBACK
 * itself, later, through the same internal method MQTT.js acknowledges
 * with. Checked at start, so an MQTT.js without it fails loudly.
 */
interface AckingClient {
  _sendPacket(packet: { cmd: 'puback'; messageId: number }, cb?: () => void): void;
}

/** Whether this MQTT.js lets the connector send PUBACKs itself. */
export function canAcknowledge(c: MqttClient): boolean {
  return typeof (c as unknown as Partial<AckingClient>)._sendPacket === 'function';
}

export function sendPuback(c: MqttClient, messageId: number): void {
  (c as unknown as AckingClient)._sendPacket({ cmd: 'puback', messageId });
}
