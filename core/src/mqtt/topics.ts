/**
 * The topics TypedCluster uses (docs/topics.md), built and parsed in one
 * place so the broker's ACL, the gateway's connector and the devices agree.
 */
export const TOPICS = {
  /** A PLC's frames (SESSION and CYCLE), published by device `id`. */
  plcCycle: (id: number) => `plc/${id}/cycle`,
  /** A sensor's frames (SESSION and READING), published by device `id`. */
  sensorReading: (id: number) => `sensor/${id}/reading`,
  /** Messages the connector gave up on, per function (docs/topics.md). */
  deadLetter: (fn: string) => `typedcluster/dead-letter/${fn}`,
  /** Alerts the alert client raises about device `plc` (docs/topics.md), kind e.g. `out-of-range`. */
  alert: (plc: number | '+', kind: string) => `alerts/${plc}/${kind}`,
  /** The text stage of device `device` after commit, published by store-reading (docs/topics.md). */
  readings: (device: number | '+') => `readings/${device}`,
  /** detect-anomaly's report about PLC `plc` (docs/topics.md, docs/anomaly-report.schema.json). */
  anomalyReport: (plc: number | '+') => `anomaly/${plc}/report`,
} as const;

/** The topics device `id` may publish to; nothing else (the ACL). */
export const deviceTopics = (id: number): readonly string[] => [TOPICS.plcCycle(id), TOPICS.sensorReading(id)];

/** The device id a device topic names, or undefined for any other topic. */
export function deviceIdOfTopic(topic: string): number | undefined {
  const m = /^(?:plc\/(\d{1,5})\/cycle|sensor\/(\d{1,5})\/reading)$/.exec(topic);
  const id = Number(m?.[1] ?? m?.[2]);
  return Number.isInteger(id) && id >= 1 && id <= 32767 ? id : undefined;
}

/**
 * MQTT topic filter matching (MQTT 3.1.1 §4.7): `+` matches one level, `#`
 * the rest (including none); topics starting with `$` match only filters
 * that start with `$` too.
 */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') !== filter.startsWith('$')) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const part = f[i];
    if (part === '#') return i === f.length - 1;
    if (i >= t.length) return false;
    if (part !== '+' && part !== t[i]) return false;
  }
  return f.length === t.length;
}

/** A valid subscription filter: wildcards only as whole levels, `#` last. */
export function isValidFilter(filter: string): boolean {
  if (filter.length === 0 || filter.length > 65535 || filter.includes('\u0000')) return false;
  const parts = filter.split('/');
  return parts.every((p, i) => (p.includes('#') ? p === '#' && i === parts.length - 1 : !p.includes('+') || p === '+'));
}
