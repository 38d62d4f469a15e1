import type { Registry } from 'prom-client';
import { createRateLimitedLog, type CycleInput, type Logger } from '@typedcluster/core';
import type { Clock } from '../runtime/clock.js';
import type { ModbusConfig, ModbusTarget } from './modbus-config.js';
import { createModbusMetrics } from './modbus-metrics.js';
import { createModbusTcpReader, type RegisterReader } from './modbus-reader.js';
import { startTargetPoller, type TargetPoller } from './target-poller.js';

export interface ModbusPollerOptions {
  readonly config: ModbusConfig;
  readonly registry: Registry;
  readonly log: Logger;
  /** Takes a completed cycle of `target` into the pipeline (docs/modbus.md §6). */
  readonly onCycle: (target: ModbusTarget, cycle: CycleInput) => Promise<void>;
  /** Default: modbus-serial's TCP client. */
  readonly readerFor?: (target: ModbusTarget) => RegisterReader;
  readonly clock?: Clock;
}

export interface ModbusPoller {
  /** One per target, in MODBUS_TARGETS order. */
  readonly targets: ReadonlyMap<string, TargetPoller>;
  stop(): Promise<void>;
}

/** Polls every target of MODBUS_TARGETS, each on its own schedule. */
export function startModbusPoller(o: ModbusPollerOptions): ModbusPoller {
  const metrics = createModbusMetrics(o.registry);
  const warn = createRateLimitedLog(o.log, { burst: 3, windowMs: 60_000 });
  const { config } = o;
  const targets = new Map<string, TargetPoller>();
  for (const target of config.targets) {
    const reader = o.readerFor?.(target) ?? createModbusTcpReader({ host: target.host, port: target.port, unitId: target.unitId, timeoutMs: config.timeoutMs });
    targets.set(
      target.name,
      startTargetPoller({
        target,
        reader,
        pollMs: config.pollMs,
        retryBackoffMs: config.retryBackoffMs,
        retryBackoffMaxMs: config.retryBackoffMaxMs,
        maxAbsValue: config.maxAbsValue,
        metrics,
        log: o.log,
        warn,
        onCycle: (cycle) => o.onCycle(target, cycle),
        ...(o.clock ? { clock: o.clock } : {}),
      }),
    );
  }
  return {
    targets,
    async stop() {
      await Promise.all([...targets.values()].map((t) => t.stop()));
    },
  };
}
