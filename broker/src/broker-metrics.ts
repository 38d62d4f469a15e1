import { Counter, Gauge, type Registry } from 'prom-client';
import { REFUSAL_REASONS, type RefusalReason } from './refusal.js';

/**
 * The broker's Prometheus metrics. The registry is injected (the CLI passes
 * the gateway's, so /metrics shows both; tests pass their own). The plain
 * counts beside the counters let tests and callers read a value without
 * prom-client's async API.
 */
export interface BrokerMetrics {
  readonly registry: Registry;
  refused(reason: RefusalReason): void;
  published(qos: number): void;
  published(qos: number): void;
  refusedCount(reason: RefusalReason): number;
  publishedCount(): number;
  /** Takes the metrics out of the registry, so a broker started again can register them anew. */
  unregister(): void;
}

const NAMES = ['typedcluster_broker_refused_total', 'typedcluster_broker_clients_connected', 'typedcluster_broker_messages_published_total'] as const;

/** `connectedClients` is read at each scrape. */
export function createBrokerMetrics(registry: Registry, connectedClients: () => number): BrokerMetrics {
  const registers = [registry];
  const refused = new Counter({
    name: NAMES[0],
    help: 'Connections, publishes and subscriptions the MQTT broker refused, by reason: auth, acl_publish, acl_subscribe, oversize, malformed',
    labelNames: ['reason'],
    registers,
  });
  const clients = new Gauge({
    name: NAMES[1],
    help: 'MQTT clients connected and authenticated now',
    registers,
    collect() {
      this.set(connectedClients());
    },
  });
  const published = new Counter({
    name: NAMES[2],
    help: 'Messages clients published that the broker accepted, by QoS',
    labelNames: ['qos'],
    registers,
  });
  // Every reason from zero, so a dashboard's rate() works before the first refusal.
  for (const reason of REFUSAL_REASONS) refused.inc({ reason }, 0);
  const counts = new Map<RefusalReason, number>();
  let publishedTotal = 0;

  return {
    registry,
    refused(reason) {
      refused.inc({ reason });
      counts.set(reason, (counts.get(reason) ?? 0) + 1);
    },
    published(qos) {
      published.inc({ qos: String(qos) });
      publishedTotal += 1;
    },
    refusedCount: (reason) => counts.get(reason) ?? 0,
    publishedCount: () => publishedTotal,
    unregister() {
      for (const name of NAMES) registry.removeSingleMetric(name);
    },
  };
}
