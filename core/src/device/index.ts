// Public surface of the device side of wire format v1 (docs/wire-format.md §3.4, §3.5).
export { parseCredentials, serializeCredentials } from './credentials.js';
export type { DeviceCredentials } from './credentials.js';
export { createDeviceSender } from './device-sender.js';
export type { DeviceSender, DeviceSenderOptions, ReadingInput, CycleInput } from './device-sender.js';
export { deliverFrames, isDelivered } from './http-delivery.js';
export type { Delivery, DeliveryOptions } from './http-delivery.js';
export { openOutbox } from './outbox.js';
export type { Outbox, OutboxOptions, OutboxRecord } from './outbox.js';
export { startMqttDeviceLink } from './mqtt-device-link.js';
export type { MqttDeviceLink, MqttDeviceLinkOptions, MqttDeviceLinkStats } from './mqtt-device-link.js';
export type { LinkTimers } from './outbox-forwarder.js';
export { encodeAck, decodeAck, ACK_OUTCOMES, ACK_MAX_SIZE } from './tcp-ack.js';
export type { AckRecord, AckOutcome } from './tcp-ack.js';
export { createStreamReader, prefixedRecord } from './tcp-stream-reader.js';
export type { StreamReader, StreamChunk } from './tcp-stream-reader.js';
export { startTcpDeviceLink } from './tcp-device-link.js';
export type { TcpDeviceLink, TcpDeviceLinkOptions, TcpDeviceLinkStats } from './tcp-device-link.js';
