import { Counter, Gauge, type Registry } from 'prom-client';

export interface DashboardMetrics {
  setClients(n: number): void;
  /** An event not sent to a slow viewer (dropped until its resync, or replaced by a newer one). */
  dropped(kind: string): void;
  pollFailed(): void;
}

/** The dashboard's own series, in the gateway's registry (docs/dashboard.md). */
export function createDashboardMetrics(registry: Registry): DashboardMetrics {
  const registers = [registry];
  const clients = new Gauge({ name: 'typedcluster_dashboard_viewers', help: 'Live dashboard connections (/dashboard/events) open now', registers });
  const dropped = new Counter({
    name: 'typedcluster_dashboard_events_dropped_total',
    help: 'Dashboard events not sent to a slow viewer (coalesced or replaced by a snapshot), by event kind',
    labelNames: ['kind'],
    registers,
  });
  const failures = new Counter({ name: 'typedcluster_dashboard_poll_failures_total', help: 'Dashboard polls of PostgreSQL that failed', registers });
  clients.set(0);
  return {
    setClients: (n) => clients.set(n),
    dropped: (kind) => dropped.inc({ kind }),
    pollFailed: () => failures.inc(),
  };
}

/** For tests: counts in memory. */
export function createMemoryDashboardMetrics(): DashboardMetrics & { readonly clients: number; readonly drops: Map<string, number>; readonly failures: number } {
  const state = { clients: 0, drops: new Map<string, number>(), failures: 0 };
  return {
    get clients() {
      return state.clients;
    },
    get drops() {
      return state.drops;
    },
    get failures() {
      return state.failures;
    },
    setClients: (n) => (state.clients = n),
    dropped: (kind) => state.drops.set(kind, (state.drops.get(kind) ?? 0) + 1),
    pollFailed: () => (state.failures += 1),
  };
}
