import { fail, ok, type Queryable, type Result } from '@typedcluster/core';
import type { AnomalyReport } from './cycle-report.js';

/**
 * Writes a report to anomaly_reports (sql/003). Idempotent on
 * (plc_id, ts, detector): a redelivered cycle answers `duplicate` and
 * changes nothing.
 */
export type StoreReport = (r: AnomalyReport) => Promise<Result<'stored' | 'duplicate'>>;

export function createReportStore(db: Queryable): StoreReport {
  return async (r) => {
    try {
      const res = await db.query(
        `INSERT INTO anomaly_reports (plc_id, cycle_no, phase, ts, detector, model_version, status, reason, score, threshold, is_anomaly, confidence, affected_sensors, report)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         ON CONFLICT (plc_id, ts, detector) DO NOTHING`,
        [r.plc_id, r.cycle, r.phase, r.timestamp, r.detector, r.model_version, r.status, r.reason, r.anomaly_score, r.threshold, r.is_anomaly, r.confidence === null ? null : Math.min(1, Math.max(0, r.confidence)), r.affected_sensors, JSON.stringify(r)],
      );
      return ok(res.rowCount === 1 ? 'stored' : 'duplicate');
    } catch (e) {
      return fail('STORE_FAILED', `storing the anomaly report: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
}
