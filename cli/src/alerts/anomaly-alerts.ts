import type { Alert } from './alert.js';
import type { AnomalyReportRow } from './api-rows.js';

/**
 * An alert for every new anomaly report (sql/003_anomaly_reports.sql):
 * `anomaly` when a detector scored the data anomalous, `unusable-input` when
 * it could not score it. Each report is its own event, so there is no
 * de-duplication beyond the report id.
 */
export function anomalyAlerts(rows: readonly AnomalyReportRow[]): Alert[] {
  return rows
    .filter((r) => r.is_anomaly || r.status === 'unusable')
    .map((r) => {
      const kind = r.status === 'unusable' ? 'unusable-input' : 'anomaly';
      const sensors = r.affected_sensors.length ? ` (${r.affected_sensors.join(', ')})` : '';
      const message =
        kind === 'anomaly' ? `${r.detector} found an anomaly${r.cycle_no !== null ? ` in cycle ${r.cycle_no}` : ''}${sensors}, score ${r.score}`
        : `${r.detector} could not score the data: ${r.reason ?? 'no reason given'}`;
      return {
        id: `${kind}:${r.plc_id}:report:${r.id}`,
        kind,
        plc: r.plc_id,
        at: r.ts,
        ...(r.phase !== null ? { phase: r.phase } : {}),
        detector: r.detector,
        score: r.score,
        affectedSensors: r.affected_sensors,
        reportId: r.id,
        message,
      } satisfies Alert;
    });
}
