import { phaseModelOf, redactUrl, sodiumReady, type Env, type Logger, type PhaseModel, type RandomSource } from '@typedcluster/core';
import { Registry } from 'prom-client';
import { DEFAULT_TCP_PORT, startGateway, type RunningGateway } from '@typedcluster/gateway';
import type { CliConfig } from '../cli-config.js';
import { join } from 'node:path';
import { simDeviceNames } from '../sim/sim-devices.js';
import { startSimulator, type Simulator } from '../sim/simulator.js';
import { ensureDemoDevice } from './demo-devices.js';
import { openPlatformBroker, type PlatformBroker } from './platform-broker.js';
import { readPlatformModbusConfig, startPlatformModbus, type PlatformModbus } from './platform-modbus.js';
import { openPlatformDatabase, type PlatformDatabase } from './platform-database.js';
import { ensurePlatformSecrets, writeSecret, type PlatformSecrets } from './platform-secrets.js';

export interface StartPlatformOptions {
  readonly config: CliConfig;
  /** Passed to the gateway (PORT, BIND_ADDRESS, STACK_FILE, …); SECRETS_DIR is set here. */
  readonly env: Env;
  readonly log: Logger;
  readonly random: RandomSource;
  readonly uniform: () => number;
  readonly now: () => number;
  readonly fetch: typeof fetch;
  readonly demo: boolean;
}

export interface RunningPlatform {
  readonly gateway: RunningGateway;
  readonly database: PlatformDatabase;
  readonly broker: PlatformBroker;
  readonly secrets: PlatformSecrets;
  /** The demo's simulators (PLC cycles and sensor readings), when started with demo. */
  readonly demo: readonly Simulator[];
  /** The Modbus poller (docs/modbus.md), when MODBUS_TARGETS is set. */
  readonly modbus: PlatformModbus | undefined;
  stop(): Promise<void>;
}

/**
 * `typedcluster up`: secrets, PostgreSQL (embedded unless DATABASE_URL),
 * migrations, the MQTT broker (embedded unless MQTT_URL), the gateway with
 * every function of stack.yml and its MQTT connector and, with --demo, a
 * built-in sender. Stops what it started, in reverse, if a later step fails.
 */
export async function startPlatform(o: StartPlatformOptions): Promise<RunningPlatform> {
  await sodiumReady();
  const modbusConfig = readPlatformModbusConfig(o.env); // fails fast, before anything starts
  // One phase model for the simulator, detect-anomaly and the dashboard (PHASE_MODEL_FILE, else the built-in one).
  const model = phaseModelOf(o.env);
  const secrets = await ensurePlatformSecrets(o.config.secretsDir, o.random);
  const database = await openPlatformDatabase(o.config, secrets.pgPassword, o.log);
  const registry = new Registry();
  let broker: PlatformBroker | undefined;
  let gateway: RunningGateway | undefined;
  let modbus: PlatformModbus | undefined;
  try {
    await writeSecret(secrets.dir, 'database-url', database.url);
    o.log.info('database ready', { url: redactUrl(database.url), mode: database.mode });
    broker = await openPlatformBroker({ config: o.config, env: o.env, db: database.db, gatewayPassword: secrets.mqttGatewayPassword, alertClientPassword: secrets.mqttAlertClientPassword, functionPasswords: secrets.mqttFunctionPasswords, registry, log: o.log });
    o.log.info('broker ready', { url: broker.url, mode: broker.mode });
    gateway = await startGateway({
      env: { ...o.env, SECRETS_DIR: secrets.dir, MQTT_URL: broker.url, TCP_PORT: tcpPortOf(o.env) },
      // MQTT_URL turns on the functions' publishing (store-reading's text stage, detect-anomaly's reports).
      functionEnv: { DATABASE_URL: database.url, MQTT_URL: broker.url, ...(o.env['PHASE_MODEL_FILE']?.trim() ? { PHASE_MODEL_FILE: o.env['PHASE_MODEL_FILE'].trim() } : {}) },
      phaseModel: model,
      log: o.log.child('gateway'),
      fetch: o.fetch,
      registry,
      // The connector shares this process with the embedded broker: in-memory streams, not loopback TCP (the functions keep TCP).
      ...(broker.handle ? { embeddedBroker: broker.handle } : {}),
    });
    if (modbusConfig) {
      const m = { config: modbusConfig, db: database.db, devicesDir: o.config.devicesDir, outboxRoot: join(o.config.home, 'outbox'), platformPublicKey: secrets.platformKeys.publicKey };
      modbus = await startPlatformModbus({ ...m, mqttUrl: broker.url, registry, random: o.random, log: o.log.child('modbus') });
    }
    const demo = o.demo ? await startDemo(o, database, secrets, broker.url, model) : [];
    const running = { gateway, broker };
    return {
      ...running,
      database,
      secrets,
      demo,
      modbus,
      async stop() {
        await Promise.all(demo.map((d) => d.stop()));
        await modbus?.stop();
        await running.gateway.close();
        await running.broker.stop();
        await database.stop();
      },
    };
  } catch (e) {
    await modbus?.stop().catch(() => undefined);
    await gateway?.close().catch(() => undefined);
    await broker?.stop().catch(() => undefined);
    await database.stop().catch(() => undefined);
    throw e;
  }
}

/** `up` always runs the TCP listener for devices: on TCP_PORT, else 8090, or a free port when the gateway's PORT is 0 (tests, benches). */
function tcpPortOf(env: Env): string {
  const set = env['TCP_PORT'];
  if (set !== undefined && set !== '') return set;
  return env['PORT'] === '0' ? '0' : String(DEFAULT_TCP_PORT);
}

/** High enough that detect-anomaly reports a few anomalies within the demo's first minutes (about one episode a minute over 3 PLCs). */
const DEMO_ANOMALY_TEMPERATURE = 0.5;

/**
 * The demo: 3 simulated PLCs publishing a cycle every 30 s and one sensor
 * publishing a reading every second, over MQTT like real devices, so a
 * newcomer sees rows arrive within seconds.
 */
async function startDemo(o: StartPlatformOptions, database: PlatformDatabase, secrets: PlatformSecrets, mqttUrl: string, model: PhaseModel): Promise<Simulator[]> {
  const device = (name: string) => ensureDemoDevice(database.db, o.config.devicesDir, name, secrets.platformKeys.publicKey, o.random, o.log);
  const plcs = [];
  for (const name of simDeviceNames('cycle', 3)) plcs.push(await device(name));
  const sensors = [await device(simDeviceNames('reading', 1)[0]!)];
  // The demo talks to our own connector, which takes bundles: a backlog after an outage goes 32 frames a message.
  const common = { bundle: 32, model, mqttUrl, outboxRoot: join(o.config.home, 'outbox'), temperature: DEMO_ANOMALY_TEMPERATURE, speed: 1, seed: Math.floor(o.uniform() * 2 ** 31), log: o.log.child('demo') };
  return [
    await startSimulator({ ...common, devices: plcs, stream: 'cycle' }),
    await startSimulator({ ...common, devices: sensors, stream: 'reading' }),
  ];
}
