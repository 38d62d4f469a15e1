import { envDurationMs, envOptional, StartupError, type Env } from '@typedcluster/core';
import type { ConfigVariable } from '../config/read-gateway-config.js';

/** One PLC to poll, and the device it is filed under (docs/modbus.md §6). */
export interface ModbusTarget {
  /** Device name: its credentials are $TYPEDCLUSTER_HOME/devices/<name>.json. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly unitId: number;
}

export interface ModbusConfig {
  readonly targets: readonly ModbusTarget[];
  readonly pollMs: number;
  /** Per connection attempt and per request. */
  readonly timeoutMs: number;
  readonly retryBackoffMs: number;
  readonly retryBackoffMaxMs: number;
  readonly maxAbsValue: number;
}

/** One row per variable in gateway/README.md ("Modbus poller"), checked by cli/src/readme-config.test.ts. */
export const MODBUS_CONFIG_VARIABLES: readonly ConfigVariable[] = [
  { name: 'MODBUS_TARGETS', default: 'unset (poller off)', description: 'PLCs to poll, comma-separated `name@host:port[/unit]` (unit id default 1), e.g. `press-1@10.0.0.21:502,press-2@10.0.0.22:502`. Each name is a device: its credentials file in $TYPEDCLUSTER_HOME/devices is provisioned on first start.' },
  { name: 'MODBUS_POLL_MS', default: '1000', description: 'Poll period per PLC, in ms (or a duration like 1s). Must be shorter than a cycle (30 s) or cycles are missed (counted).' },
  { name: 'MODBUS_TIMEOUT', default: '2s', description: 'How long a connection attempt or a read may take before the PLC counts as not answering.' },
  { name: 'MODBUS_RETRY_BACKOFF', default: '500ms', description: 'First retry delay after a PLC stopped answering; doubles each failed try.' },
  { name: 'MODBUS_RETRY_BACKOFF_MAX', default: '30s', description: 'Upper bound of the retry back-off.' },
  { name: 'MODBUS_MAX_ABS_VALUE', default: '1000000', description: 'A register value whose magnitude is above this is garbage (MODBUS_BAD_VALUE), not a measurement.' },
];

const TARGETS_HINT = 'set MODBUS_TARGETS to a list like press-1@10.0.0.21:502,press-2@10.0.0.22:502/3, or unset it to turn the poller off';
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
// name@host:port[/unit]; host may be [IPv6].
const TARGET = /^([^@]+)@(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})(?:\/(\d{1,3}))?$/;

/** Reads the poller's settings once at start; undefined when MODBUS_TARGETS is unset. Throws StartupError naming the variable. */
export function readModbusConfig(env: Env): ModbusConfig | undefined {
  const raw = envOptional(env, 'MODBUS_TARGETS');
  if (raw === undefined) return undefined;
  const targets = parseModbusTargets(raw);
  const pollMs = positive(env, 'MODBUS_POLL_MS', 1000);
  const timeoutMs = positive(env, 'MODBUS_TIMEOUT', 2000);
  const retryBackoffMs = positive(env, 'MODBUS_RETRY_BACKOFF', 500);
  const retryBackoffMaxMs = positive(env, 'MODBUS_RETRY_BACKOFF_MAX', 30_000);
  if (retryBackoffMaxMs < retryBackoffMs) {
    throw new StartupError('CONFIG_INVALID', `MODBUS_RETRY_BACKOFF_MAX=${env['MODBUS_RETRY_BACKOFF_MAX']} is shorter than MODBUS_RETRY_BACKOFF`, 'set MODBUS_RETRY_BACKOFF_MAX to at least MODBUS_RETRY_BACKOFF');
  }
  const maxAbsRaw = envOptional(env, 'MODBUS_MAX_ABS_VALUE');
  const maxAbsValue = maxAbsRaw === undefined ? 1e6 : Number(maxAbsRaw);
  if (!(Number.isFinite(maxAbsValue) && maxAbsValue > 0)) {
    throw new StartupError('CONFIG_INVALID', `MODBUS_MAX_ABS_VALUE=${maxAbsRaw} is not a number > 0`, 'set MODBUS_MAX_ABS_VALUE to a bound like 1000000, or unset it');
  }
  return { targets, pollMs, timeoutMs, retryBackoffMs, retryBackoffMaxMs, maxAbsValue };
}

export function parseModbusTargets(raw: string): ModbusTarget[] {
  const items = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new StartupError('CONFIG_INVALID', 'MODBUS_TARGETS names no PLC', TARGETS_HINT);
  const targets: ModbusTarget[] = [];
  for (const item of items) {
    const m = TARGET.exec(item);
    if (!m) throw new StartupError('CONFIG_INVALID', `MODBUS_TARGETS entry "${item}" is not name@host:port[/unit]`, TARGETS_HINT);
    const [, name = '', hostRaw = '', portRaw = '', unitRaw] = m;
    if (!NAME.test(name)) throw new StartupError('CONFIG_INVALID', `MODBUS_TARGETS entry "${item}": device name "${name}" must be letters, digits, . _ - (≤ 100)`, TARGETS_HINT);
    const port = Number(portRaw);
    if (port < 1 || port > 65535) throw new StartupError('CONFIG_INVALID', `MODBUS_TARGETS entry "${item}": port ${port} is not in 1..65535`, TARGETS_HINT);
    const unitId = unitRaw === undefined ? 1 : Number(unitRaw);
    if (unitId > 255) throw new StartupError('CONFIG_INVALID', `MODBUS_TARGETS entry "${item}": unit id ${unitId} is not in 0..255`, TARGETS_HINT);
    const host = hostRaw.startsWith('[') ? hostRaw.slice(1, -1) : hostRaw;
    if (targets.some((t) => t.name === name)) throw new StartupError('CONFIG_INVALID', `MODBUS_TARGETS names device "${name}" twice`, 'give each PLC its own device name');
    if (targets.some((t) => t.host === host && t.port === port && t.unitId === unitId)) {
      throw new StartupError('CONFIG_INVALID', `MODBUS_TARGETS lists ${hostRaw}:${port}/${unitId} twice`, 'poll each PLC once');
    }
    targets.push({ name, host, port, unitId });
  }
  return targets;
}

function positive(env: Env, name: string, fallbackMs: number): number {
  const ms = envDurationMs(env, name, fallbackMs);
  if (ms <= 0) throw new StartupError('CONFIG_INVALID', `${name}=${env[name]} must be longer than zero`, `set ${name} to a duration like 500ms, or unset it`);
  return ms;
}
