import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { Registry } from 'prom-client';
import { createMqttCredentialStore, type Database, type Env, type Logger } from '@typedcluster/core';
import { readBrokerConfig, startBroker, type FunctionUser } from '@typedcluster/broker';
import type { CliConfig } from '../cli-config.js';

export interface PlatformBroker {
  readonly url: string;
  /** 'embedded' when this process runs the broker and will stop it. */
  readonly mode: 'embedded' | 'external';
  /** Embedded only: serves a client of this process over an in-memory stream (RunningBroker.handle). */
  readonly handle?: (stream: Duplex) => boolean;
  stop(): Promise<void>;
}

/**
 * The broker devices publish to: MQTT_URL when set (Mosquitto or another
 * external broker), else the embedded Aedes broker with its store in
 * $TYPEDCLUSTER_HOME/mqtt, authenticating devices against the registry.
 */
export async function openPlatformBroker(o: {
  config: CliConfig;
  env: Env;
  db: Database;
  gatewayPassword: string;
  alertClientPassword?: string;
  functionPasswords?: Readonly<Partial<Record<FunctionUser, string>>>;
  registry: Registry;
  log: Logger;
}): Promise<PlatformBroker> {
  if (o.config.mqttUrl) return { url: o.config.mqttUrl, mode: 'external', stop: async () => {} };
  const c = readBrokerConfig(o.env);
  const broker = await startBroker({
    host: c.bindAddress,
    port: c.port,
    maxPacketBytes: c.maxPacketBytes,
    persistenceDir: join(o.config.home, 'mqtt'),
    authenticate: createMqttCredentialStore(o.db).authenticate,
    gatewayPassword: o.gatewayPassword,
    ...(o.alertClientPassword === undefined ? {} : { alertClientPassword: o.alertClientPassword }),
    ...(o.functionPasswords === undefined ? {} : { functionPasswords: o.functionPasswords }),
    registry: o.registry,
    log: o.log.child('broker'),
  });
  return { url: broker.url, mode: 'embedded', handle: (s) => broker.handle(s), stop: () => broker.stop() };
}
