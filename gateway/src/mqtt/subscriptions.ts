import type { MqttClient } from 'mqtt';
import type { Logger } from '@typedcluster/core';

/** Subscribes at QoS 1; resolves even on failure, which is logged (the connector keeps running). */
export function subscribe(c: MqttClient, filters: readonly string[], log: Logger): Promise<void> {
  if (filters.length === 0) return Promise.resolve();
  return new Promise((resolve) => {
    c.subscribe(Object.fromEntries(filters.map((f) => [f, { qos: 1 as const }])), (err, granted) => {
      const refused = (granted ?? []).filter((g) => g.qos === 128).map((g) => g.topic);
      if (err) log.error('subscribe failed', { error: err.message, filters });
      else if (refused.length > 0) log.error('the broker refused these subscriptions (check its ACL for the gateway user)', { filters: refused });
      resolve();
    });
  });
}

/**
 * The connector's subscriptions over a persistent session. The broker keeps
 * a session's subscriptions while the gateway is away, so a filter removed
 * meanwhile (a function removed while the broker was down) would still be
 * delivered after the reconnect: such filters are remembered and
 * unsubscribed when the next connection comes up.
 */
export interface Subscriptions {
  /** The wanted filters changed: subscribe and unsubscribe now if connected, else at the next connect. */
  changed(c: MqttClient | undefined, before: readonly string[], after: readonly string[]): void;
  /** A connection came up: drop what is no longer wanted, subscribe to what is. */
  connected(c: MqttClient, filters: readonly string[]): Promise<void>;
}

export function createSubscriptions(log: Logger): Subscriptions {
  const stale = new Set<string>();
  return {
    changed(c, before, after) {
      const was = new Set(before);
      const now = new Set(after);
      const added = [...now].filter((f) => !was.has(f));
      const removed = [...was].filter((f) => !now.has(f));
      if (added.length + removed.length === 0) return;
      for (const f of added) stale.delete(f);
      if (!c?.connected) {
        for (const f of removed) stale.add(f);
        return;
      }
      log.info('MQTT subscriptions changed', { added: added.join(','), removed: removed.join(',') });
      void subscribe(c, added, log);
      if (removed.length > 0) c.unsubscribe(removed);
    },
    connected(c, filters) {
      const gone = [...stale].filter((f) => !filters.includes(f));
      stale.clear();
      if (gone.length > 0) {
        log.info('unsubscribing filters removed while the broker was away', { filters: gone.join(',') });
        c.unsubscribe(gone);
      }
      return subscribe(c, filters, log);
    },
  };
}
