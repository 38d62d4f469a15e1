import { Counter, Gauge, type Registry } from 'prom-client';

/** How a poll ended: registers taken, garbage (reported, not trusted), or no answer. */
export type PollOutcome = 'ok' | 'garbage' | 'unreachable';
/** A completed cycle: sealed into the pipeline, missed (never seen), or refused by the uplink (outbox full). */
export type CycleOutcome = 'sealed' | 'missed' | 'refused';

export interface ModbusMetrics {
  poll(target: string, outcome: PollOutcome): void;
  rejected(target: string, reason: string): void;
  setUp(target: string, up: boolean): void;
  outage(target: string): void;
  cycles(target: string, outcome: CycleOutcome, n?: number): void;
}

/** The poller's series (gateway/README.md, "Modbus poller"), in the platform's registry. */
export function createModbusMetrics(registry: Registry): ModbusMetrics {
  const registers = [registry];
  const polls = new Counter({ name: 'typedcluster_modbus_polls_total', help: 'Modbus polls per PLC by outcome: ok, garbage, unreachable', labelNames: ['target', 'outcome'], registers });
  const rejected = new Counter({
    name: 'typedcluster_modbus_rejected_total',
    help: 'Polls whose answer was not trusted, by catalogue code (MODBUS_BAD_MAP, MODBUS_BAD_PHASE, MODBUS_BAD_VALUE, MODBUS_STALE_COUNTER, MODBUS_EXCEPTION, …)',
    labelNames: ['target', 'reason'],
    registers,
  });
  const up = new Gauge({ name: 'typedcluster_modbus_up', help: '1 while the PLC answers, 0 while it does not (retried with back-off)', labelNames: ['target'], registers });
  const outages = new Counter({ name: 'typedcluster_modbus_outages_total', help: 'Times a PLC stopped answering', labelNames: ['target'], registers });
  const cycles = new Counter({ name: 'typedcluster_modbus_cycles_total', help: 'Completed PLC cycles: sealed into the pipeline, missed (never seen by a poll), refused (outbox full)', labelNames: ['target', 'outcome'], registers });
  return {
    poll: (target, outcome) => polls.inc({ target, outcome }),
    rejected: (target, reason) => rejected.inc({ target, reason }),
    setUp: (target, u) => up.set({ target }, u ? 1 : 0),
    outage: (target) => outages.inc({ target }),
    cycles: (target, outcome, n = 1) => cycles.inc({ target, outcome }, n),
  };
}
