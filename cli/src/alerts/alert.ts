/**
 * What the alert client raises. Every alert has an `id` derived only from
 * the data that caused it, so an alert sent again after a crash carries the
 * same id and a consumer can drop the copy (cli/src/alerts/README.md).
 */
export const ALERT_KINDS = ['out-of-range', 'back-in-range', 'anomaly', 'unusable-input'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export interface Alert {
  /** Stable: `<kind>:<plc>:<what>:<row key>`. */
  readonly id: string;
  readonly kind: AlertKind;
  /** Device id of the PLC or sensor. */
  readonly plc: number;
  /** When the measured data happened (ISO 8601), not when it was seen. */
  readonly at: string;
  /** s1…s5, temperature, pressure or humidity; absent for anomaly reports. */
  readonly sensor?: string;
  readonly phase?: number;
  readonly value?: number | null;
  readonly range?: readonly [number, number];
  /** For anomaly reports: the detector, its score and the sensors it blames. */
  readonly detector?: string;
  readonly score?: number | null;
  readonly affectedSensors?: readonly string[];
  readonly reportId?: number;
  /** Human summary, one line. */
  readonly message: string;
}

/** One line for the console: kind, where, why. */
export function formatAlert(a: Alert): string {
  return `ALERT ${a.kind} plc=${a.plc}${a.sensor ? ` sensor=${a.sensor}` : ''}${a.phase ? ` phase=${a.phase}` : ''} at=${a.at}: ${a.message} id=${a.id}`;
}
