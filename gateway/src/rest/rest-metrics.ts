import { Counter, type Registry } from 'prom-client';

/** Counts REST answers, and refusals by PostgREST code, so bad clients show on a dashboard. */
export interface RestMetrics {
  answered(view: string, method: string, status: number, errorCode: string | undefined): void;
}

export function createRestMetrics(registry: Registry): RestMetrics {
  const requests = new Counter({
    name: 'typedcluster_rest_requests_total',
    help: 'REST API (/api) requests by view, method and HTTP status',
    labelNames: ['view', 'method', 'status'],
    registers: [registry],
  });
  const refused = new Counter({
    name: 'typedcluster_rest_errors_total',
    help: 'REST API (/api) error answers by PostgREST or SQLSTATE code (PGRST100, 42703, PGRST301, …)',
    labelNames: ['code'],
    registers: [registry],
  });
  return {
    answered(view, method, status, errorCode) {
      requests.inc({ view, method, status: String(status) });
      if (errorCode !== undefined) refused.inc({ code: errorCode });
    },
  };
}
