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
 * Subscribes to the filters new in `after` and unsubscribes from those gone
 * from it, when connected (a new connection subscribes to the current filters itself).
 */
export function resubscribe(c: MqttClient | undefined, before: readonly string[], after: readonly string[], log: Logger): void {
  const was = new Set(before);
  const now = new Set(after);
  const added = [...now].filter((f) => !was.has(f));
  const removed = [...was].filter((f) => !now.has(f));
  if (added.length + removed.length === 0 || !c?.connected) return;
  log.info('MQTT subscriptions changed', { added: added.join(','), removed: removed.join(',') });
  void subscribe(c, added, log);
  if (removed.length > 0) c.unsubscribe(removed);
}
