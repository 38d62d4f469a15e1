import type { AedesPublishPacket, Client, PublishPacket, Subscription } from 'aedes';
import { mayPublish, maySubscribe } from './access-control.js';
import type { ConnectionUsers } from './authenticate-client.js';
import type { BrokerMetrics } from './broker-metrics.js';
import { Refusal } from './refusal.js';

export interface AuthorizeDeps {
  readonly users: ConnectionUsers;
  readonly metrics: BrokerMetrics;
  readonly warn: (key: string, msg: string, fields?: Record<string, unknown>) => void;
}

/**
 * The Aedes authorize handlers over the user cached for each connection
 * (docs/topics.md §Access control).
 *
 * A refused PUBLISH gets an error: MQTT 3.1.1 has no way to say no to a
 * publish, so Aedes closes the connection without acknowledging it and
 * nothing is delivered. A refused SUBSCRIBE gets the failure code 0x80 in
 * its SUBACK and the connection stays.
 */
export function createAuthorizers(deps: AuthorizeDeps) {
  return {
    authorizePublish(client: Client | null, packet: PublishPacket, done: (e?: Error | null) => void): void {
      // client is null only for a will left by a broker run before this one:
      // nobody is there to be authorized for it, so it is dropped.
      const user = client ? deps.users.get(client) : undefined;
      if (user && mayPublish(user, { topic: packet.topic, qos: packet.qos, retain: packet.retain })) return done(null);
      if (client) {
        deps.metrics.refused('acl_publish');
        deps.warn('acl_publish', 'MQTT publish refused', { clientId: client.id, topic: packet.topic, qos: packet.qos, retain: packet.retain || undefined });
      }
      done(new Refusal('acl_publish', `publishing to ${packet.topic} is not allowed`));
    },

    authorizeSubscribe(client: Client, sub: Subscription, done: (e: Error | null, s?: Subscription | null) => void): void {
      const user = deps.users.get(client);
      if (user && maySubscribe(user, sub.topic)) return done(null, sub);
      deps.metrics.refused('acl_subscribe');
      deps.warn('acl_subscribe', 'MQTT subscription refused', { clientId: client.id, filter: sub.topic });
      done(null, null);
    },

    /**
     * Checked again at delivery: a session restored from disk or a queued
     * message must still be allowed for the user connected now.
     */
    authorizeForward(client: Client, packet: AedesPublishPacket): AedesPublishPacket | null {
      const user = deps.users.get(client);
      return user && maySubscribe(user, packet.topic) ? packet : null;
    },
  };
}
