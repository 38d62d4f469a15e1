import type { MetricObjectWithValues, MetricValue, Registry } from 'prom-client';

/** Pipeline health as the dashboard shows it: totals from the counters, rates from their change. */
export interface PipelineHealth {
  /** epoch ms */
  readonly at: number;
  /** Seconds the rates are over (0 on the first snapshot: no rates yet). */
  readonly intervalS: number;
  readonly invocations: Array<{ fn: string; total: number; perSec: number; errorsPerSec: number }>;
  readonly rejections: Array<{ reason: string; total: number; perSec: number }>;
  readonly deadLetters: Array<{ fn: string; code: string; total: number; perSec: number }>;
  readonly functions: Array<{ fn: string; ready: number; restarts: number }>;
  readonly mqtt: { connected: number | null; inflight: number | null; messagesPerSec: number };
  readonly broker: { clients: number | null; refusedPerSec: number };
}

type Sample = MetricValue<string>;

/**
 * Reads the gateway's registry (the gateway's, the MQTT connector's and, in
 * `typedcluster up`, the broker's series; gateway/README.md "Metrics") and
 * turns counters into rates against the previous snapshot. A counter that
 * went down (a restart) counts from zero.
 */
export function createHealthTracker(registry: Pick<Registry, 'getMetricsAsJSON'>, now: () => number): () => Promise<PipelineHealth> {
  let previous: { at: number; totals: Map<string, number> } | undefined;
  return async () => {
    const metrics = (await registry.getMetricsAsJSON()) as MetricObjectWithValues<Sample>[];
    const at = now();
    const totals = new Map<string, number>();
    const byName = new Map(metrics.map((m) => [m.name, m.values]));
    const values = (name: string): Sample[] => byName.get(name) ?? [];
    const dt = previous ? Math.max(0.001, (at - previous.at) / 1000) : 0;
    const rate = (key: string, total: number): number => {
      totals.set(key, total);
      if (!previous) return 0;
      const before = previous.totals.get(key) ?? 0; // a series born since the last snapshot started at 0
      return round((total >= before ? total - before : total) / dt);
    };
    const sumBy = (name: string, label: (s: Sample) => string | undefined): Map<string, number> => {
      const out = new Map<string, number>();
      for (const s of values(name)) {
        const k = label(s);
        if (k !== undefined) out.set(k, (out.get(k) ?? 0) + s.value);
      }
      return out;
    };
    const fnOf = (s: Sample): string | undefined => str(s.labels['function_name']);

    const invocationTotals = sumBy('gateway_function_invocation_total', fnOf);
    const errorTotals = sumBy('gateway_function_invocation_total', (s) => (Number(s.labels['code']) >= 500 ? fnOf(s) : undefined));
    const invocations = [...invocationTotals].sort().map(([fn, total]) => ({
      fn,
      total,
      perSec: rate(`inv|${fn}`, total),
      errorsPerSec: rate(`err|${fn}`, errorTotals.get(fn) ?? 0),
    }));
    const rejections = [...sumBy('typedcluster_frames_rejected_total', (s) => str(s.labels['reason']))]
      .sort()
      .map(([reason, total]) => ({ reason, total, perSec: rate(`rej|${reason}`, total) }));
    const deadLetters = [...sumBy('typedcluster_mqtt_dead_letters_total', (s) => `${fnOf(s) ?? ''}|${str(s.labels['code']) ?? ''}`)]
      .sort()
      .map(([key, total]) => {
        const [fn = '', code = ''] = key.split('|');
        return { fn, code, total, perSec: rate(`dl|${key}`, total) };
      });
    const restarts = sumBy('typedcluster_function_restarts_total', fnOf);
    const functions = [...sumBy('gateway_service_count', fnOf)].sort().map(([fn, ready]) => ({ fn, ready, restarts: restarts.get(fn) ?? 0 }));
    const single = (name: string): number | null => values(name)[0]?.value ?? null;
    const messages = [...sumBy('typedcluster_mqtt_messages_total', (s) => (s.labels['outcome'] === 'retried' ? undefined : 'all'))][0]?.[1] ?? 0;
    const refused = [...sumBy('typedcluster_broker_refused_total', () => 'all')][0]?.[1] ?? 0;

    const health: PipelineHealth = {
      at,
      intervalS: round(dt),
      invocations,
      rejections,
      deadLetters,
      functions,
      mqtt: { connected: single('typedcluster_mqtt_connected'), inflight: single('typedcluster_mqtt_inflight'), messagesPerSec: rate('mqtt', messages) },
      broker: { clients: single('typedcluster_broker_clients_connected'), refusedPerSec: rate('refused', refused) },
    };
    previous = { at, totals };
    return health;
  };
}

const str = (v: unknown): string | undefined => (v === undefined ? undefined : String(v));
const round = (n: number): number => Math.round(n * 100) / 100;
