import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { Database, Env, Logger, RandomSource } from '@typedcluster/core';
import { openCycleUplink, readModbusConfig, startModbusPoller, type CycleUplink, type ModbusConfig, type ModbusPoller } from '@typedcluster/gateway';
import { ensureDemoDevice } from './demo-devices.js';

/** MODBUS_TARGETS and friends (gateway/README.md, "Modbus poller"); undefined when unset. */
export const readPlatformModbusConfig = (env: Env): ModbusConfig | undefined => readModbusConfig(env);

export interface PlatformModbusOptions {
  readonly config: ModbusConfig;
  readonly db: Database;
  readonly devicesDir: string;
  /** Each target's outbox is `<outboxRoot>/<device name>/`. */
  readonly outboxRoot: string;
  readonly platformPublicKey: Uint8Array;
  readonly mqttUrl: string;
  readonly registry: Registry;
  readonly random: RandomSource;
  readonly log: Logger;
}

export interface PlatformModbus {
  readonly poller: ModbusPoller;
  readonly uplinks: ReadonlyMap<string, CycleUplink>;
  stop(): Promise<void>;
}

/**
 * The Modbus poller of `typedcluster up` (docs/modbus.md §6): each target
 * is a device, provisioned on first start like the simulator's, whose
 * completed cycles the poller seals and sends through the broker like any
 * PLC's.
 */
export async function startPlatformModbus(o: PlatformModbusOptions): Promise<PlatformModbus> {
  const uplinks = new Map<string, CycleUplink>();
  try {
    for (const target of o.config.targets) {
      const credentials = await ensureDemoDevice(o.db, o.devicesDir, target.name, o.platformPublicKey, o.random, o.log);
      uplinks.set(target.name, await openCycleUplink({ credentials, mqttUrl: o.mqttUrl, outboxDir: join(o.outboxRoot, credentials.name), random: o.random, log: o.log.child(target.name) }));
    }
  } catch (e) {
    await Promise.all([...uplinks.values()].map((u) => u.close()));
    throw e;
  }
  const poller = startModbusPoller({
    config: o.config,
    registry: o.registry,
    log: o.log,
    onCycle: (target, cycle) => uplinks.get(target.name)!.send(cycle),
  });
  return {
    poller,
    uplinks,
    async stop() {
      await poller.stop();
      await Promise.all([...uplinks.values()].map((u) => u.close()));
    },
  };
}
