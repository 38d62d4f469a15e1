import type { Database, Logger } from '@typedcluster/core';
import type { DashboardSettings } from '../dashboard/dashboard-routes.js';
import type { GatewayConfig } from '../config/read-gateway-config.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { Clock } from '../runtime/clock.js';
import type { Supervisor } from '../runtime/supervisor.js';
import type { Stack } from '../stack/stack-types.js';

export interface GatewayVersion {
  readonly release: string;
  readonly sha: string;
  readonly commitMessage?: string;
}

/** Everything buildGateway needs; tests pass a fake supervisor and their own fetch and clock. */
export interface GatewayDeps {
  readonly config: GatewayConfig;
  /** The loaded stack.yml: the handlers a deploy request may run. */
  readonly stack: Stack;
  readonly supervisor: Supervisor;
  readonly metrics: GatewayMetrics;
  readonly log: Logger;
  /** Posts async results to X-Callback-Url. */
  readonly fetch: typeof fetch;
  readonly clock: Clock;
  readonly version?: GatewayVersion;
  readonly newCallId?: () => string;
  /** The gateway's own PostgreSQL pool (REST API, dashboard); undefined = no database features. */
  readonly database?: Database;
  /** With `database`: serve the PostgREST-compatible API under /api (docs/rest-api.md). */
  readonly rest?: RestSettings;
  /** With `database` and enabled: the live dashboard under /dashboard/ (docs/dashboard.md). */
  readonly dashboard?: DashboardSettings;
}

export interface RestSettings {
  /** HS256 key (secret jwt-secret); undefined = tokens refused, anonymous role only. */
  readonly jwtSecret: string | undefined;
  readonly anonRole: string;
}
