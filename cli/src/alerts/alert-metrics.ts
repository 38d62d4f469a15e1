import { Counter, Gauge, type Registry } from 'prom-client';

/** The alert client's metrics (served on --metrics-port when given). */
export interface AlertMetrics {
  raised(kind: string): void;
  pollFailed(code: string): void;
  delivered(sink: string, outcome: 'done' | 'retry' | 'drop'): void;
  setPending(sink: string, n: number): void;
}

export function createAlertMetrics(registry: Registry): AlertMetrics {
  const registers = [registry];
  const alerts = new Counter({ name: 'typedcluster_alerts_total', help: 'Alerts raised by the alert client, by kind', labelNames: ['kind'], registers });
  const failures = new Counter({ name: 'typedcluster_alert_poll_failures_total', help: 'Failed polls of the REST API, by catalogue code', labelNames: ['code'], registers });
  const deliveries = new Counter({ name: 'typedcluster_alert_deliveries_total', help: 'Alert delivery attempts by sink and outcome: done, retry, drop', labelNames: ['sink', 'outcome'], registers });
  const pending = new Gauge({ name: 'typedcluster_alert_pending', help: 'Alerts waiting for a sink (kept in the state file)', labelNames: ['sink'], registers });
  return {
    raised: (kind) => alerts.inc({ kind }),
    pollFailed: (code) => failures.inc({ code }),
    delivered: (sink, outcome) => deliveries.inc({ sink, outcome }),
    setPending: (sink, n) => pending.set({ sink }, n),
  };
}
