import { isIP } from 'node:net';
import { envInt, envString, StartupError, type Env } from '@typedcluster/core';

/** What `readBrokerConfig` reads from the environment; the rest (data dir, secrets) the caller owns. */
export interface BrokerConfig {
  readonly port: number;
  readonly bindAddress: string;
  readonly maxPacketBytes: number;
}

/** One row per variable, for the README and `--help` (same shape as the gateway's). */
export interface BrokerConfigVariable {
  readonly name: string;
  readonly default: string;
  readonly description: string;
}

export const DEFAULT_MQTT_PORT = 1883;
export const DEFAULT_MAX_PACKET_BYTES = 64 * 1024;
/** The MQTT 3.1.1 ceiling (remaining length 268,435,455 plus the fixed header). */
const MQTT_MAX_PACKET = 268_435_460;

export const BROKER_CONFIG_VARIABLES: readonly BrokerConfigVariable[] = [
  { name: 'MQTT_PORT', default: String(DEFAULT_MQTT_PORT), description: 'TCP port of the embedded MQTT broker (0 picks a free one).' },
  { name: 'MQTT_BIND_ADDRESS', default: '127.0.0.1', description: 'Address the broker listens on; 0.0.0.0 lets devices on the network connect.' },
  {
    name: 'MQTT_MAX_PACKET_BYTES',
    default: String(DEFAULT_MAX_PACKET_BYTES),
    description: 'Largest MQTT packet accepted (payload, topic and headers); a client sending a bigger one is disconnected and counted as `oversize`.',
  },
];

/**
 * Reads the broker's configuration, of-watchdog style: every variable has a
 * default and a bad value stops start-up with one line naming the variable.
 */
export function readBrokerConfig(env: Env): BrokerConfig {
  const bindAddress = envString(env, 'MQTT_BIND_ADDRESS', '127.0.0.1');
  // Fail here rather than at listen(): a hostname typo would otherwise surface as a DNS error.
  if (isIP(bindAddress) === 0 && bindAddress !== 'localhost') {
    throw new StartupError('CONFIG_INVALID', `MQTT_BIND_ADDRESS=${bindAddress} is not an IP address`, 'set MQTT_BIND_ADDRESS to an address such as 127.0.0.1 or 0.0.0.0, or unset it');
  }
  return {
    port: envInt(env, 'MQTT_PORT', DEFAULT_MQTT_PORT, 0, 65535),
    bindAddress,
    // At least 1 KiB: below that even a CONNECT with a long password would not fit.
    maxPacketBytes: envInt(env, 'MQTT_MAX_PACKET_BYTES', DEFAULT_MAX_PACKET_BYTES, 1024, MQTT_MAX_PACKET),
  };
}
