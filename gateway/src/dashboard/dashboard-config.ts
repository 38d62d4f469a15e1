import { envBool, envDurationMs, envInt, StartupError, type Env } from '@typedcluster/core';
import type { ConfigVariable } from '../config/read-gateway-config.js';

export interface DashboardConfig {
  readonly enabled: boolean;
  /** One shared query for new rows and anomaly reports every this often. */
  readonly pollIntervalMs: number;
  /** Presence and pipeline health are pushed every this often. */
  readonly healthIntervalMs: number;
  /** Phase rows kept per PLC, hence the most points of one series (6 s each: 300 = 30 min). */
  readonly points: number;
  readonly maxClients: number;
  /** Bytes a slow client may have unsent before its events are coalesced. */
  readonly clientBufferBytes: number;
  /** A device whose last frame is older than this is shown as silent. */
  readonly onlineWithinMs: number;
}

export const DASHBOARD_CONFIG_VARIABLES: readonly ConfigVariable[] = [
  { name: 'DASHBOARD_ENABLED', default: 'true', description: 'Serve the live dashboard at /dashboard/ (needs the gateway\'s database); false removes the routes.' },
  { name: 'DASHBOARD_POLL_INTERVAL', default: '1s', description: 'How often the dashboard\'s one shared poller asks PostgreSQL for new cycle rows and anomaly reports (for all viewers together).' },
  { name: 'DASHBOARD_HEALTH_INTERVAL', default: '5s', description: 'How often device presence and pipeline health (rates from the metrics) are pushed.' },
  { name: 'DASHBOARD_POINTS', default: '300', description: 'Phase rows kept in memory per PLC, the most points of one chart series (300 = 60 cycles = 30 min); a viewer asking fewer gets them min/max-decimated.' },
  { name: 'DASHBOARD_MAX_CLIENTS', default: '100', description: 'Live dashboard connections at most; beyond it /dashboard/events answers 503 TOO_MANY_CONNECTIONS.' },
  { name: 'DASHBOARD_CLIENT_BUFFER', default: '1048576', description: 'Bytes a slow viewer may have unsent; beyond it its updates are coalesced into one fresh snapshot when it catches up.' },
  { name: 'DASHBOARD_ONLINE_WITHIN', default: '90s', description: 'A device whose last frame is older than this is shown as silent.' },
];

/** Pure: reads the dashboard's variables once at start; a bad value stops the start with what to change. */
export function readDashboardConfig(env: Env): DashboardConfig {
  return {
    enabled: envBool(env, 'DASHBOARD_ENABLED', true),
    pollIntervalMs: between(env, 'DASHBOARD_POLL_INTERVAL', envDurationMs(env, 'DASHBOARD_POLL_INTERVAL', 1000), 100, 60_000),
    healthIntervalMs: between(env, 'DASHBOARD_HEALTH_INTERVAL', envDurationMs(env, 'DASHBOARD_HEALTH_INTERVAL', 5000), 500, 600_000),
    points: envInt(env, 'DASHBOARD_POINTS', 300, 10, 10_000),
    maxClients: envInt(env, 'DASHBOARD_MAX_CLIENTS', 100, 1, 10_000),
    clientBufferBytes: envInt(env, 'DASHBOARD_CLIENT_BUFFER', 1024 * 1024, 16 * 1024),
    onlineWithinMs: between(env, 'DASHBOARD_ONLINE_WITHIN', envDurationMs(env, 'DASHBOARD_ONLINE_WITHIN', 90_000), 1000, 86_400_000),
  };
}

function between(env: Env, name: string, ms: number, min: number, max: number): number {
  if (ms < min || ms > max) throw new StartupError('CONFIG_INVALID', `${name}=${env[name]} must be between ${min}ms and ${max}ms`, `set ${name} to a duration like 1s, or unset it`);
  return ms;
}
