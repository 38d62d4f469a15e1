import { createConnection } from 'node:net';
import type { Duplex } from 'node:stream';
import { MqttClient, type IClientOptions } from 'mqtt';
import { duplexPair } from './duplex-pair.js';

/** Hands one end of a connection to the MQTT broker running in this process; false when it takes none (stopping). */
export type EmbeddedBroker = (stream: Duplex) => boolean;

/** What BrokerConnectionDeps.connect does: a client for `url` (MQTT.js's connect by default). */
export type MqttConnect = (url: string, options: IClientOptions) => MqttClient;

const inProcess = new WeakSet<object>();

/**
 * A connect for the connector when the broker at `url` runs in this very
 * process (`typedcluster up`'s embedded one): each connection, the first
 * and every reconnect, is an in-memory stream pair, one end given to the
 * broker, so its QoS 1 messages and our PUBACKs never cross the kernel.
 * Everything above the stream (CONNECT with the gateway's credentials, the
 * persistent session, keepalive, reconnect with back-off) is MQTT.js as
 * over TCP. When the broker takes no stream (it is stopping or stopped,
 * and another one may be listening on its port by now) that attempt
 * connects to `url` over TCP, as before.
 */
export function connectInProcess(broker: EmbeddedBroker): MqttConnect {
  return (url, options) => {
    const tcp = tcpAddressOf(url);
    const client = new MqttClient(() => {
      const [ours, theirs] = duplexPair();
      if (broker(theirs)) {
        inProcess.add(ours);
        return ours;
      }
      ours.destroy();
      return createConnection(tcp);
    }, options);
    // As mqtt.connect does: an 'error' with no listener would throw; the connector adds its own.
    client.on('error', () => undefined);
    return client;
  };
}

/** Whether the client's current connection is an in-process stream (for the connector's log). */
export function isInProcess(client: MqttClient): boolean {
  return inProcess.has(client.stream);
}

/** Host and port of an mqtt:// URL (the embedded broker speaks plain TCP only). */
function tcpAddressOf(url: string): { host: string; port: number } {
  const u = new URL(url);
  if (u.protocol !== 'mqtt:' && u.protocol !== 'tcp:') throw new Error(`the embedded broker is reached over mqtt://, not ${u.protocol}`);
  return { host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port: u.port === '' ? 1883 : Number(u.port) };
}
