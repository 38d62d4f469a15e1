import type { MqttClient } from 'mqtt';
import { TOPICS, type createRateLimitedLog } from '@typedcluster/core';
import { backoffMs, type Clock } from '../runtime/clock.js';
import type { Answer } from './answer.js';
import type { ConnectorConfig } from './connector-config.js';
import type { ConnectorMetrics } from './connector-metrics.js';
import { deadLetterOf } from './dead-letter.js';
import type { Delivery } from './delivery.js';
import type { HeldMessage, HeldMessages } from './held-messages.js';

export interface DeadLetterPublisherDeps {
  readonly client: () => MqttClient | undefined;
  readonly held: HeldMessages;
  readonly clock: Clock;
  readonly config: Pick<ConnectorConfig, 'retryBackoffMs' | 'retryBackoffMaxMs'>;
  readonly metrics: ConnectorMetrics;
  readonly warnLimited: ReturnType<typeof createRateLimitedLog>;
  readonly isStopping: () => boolean;
}

export interface DeadLetterPublisher {
  /** Publishes the dead letter of `d` (QoS 1); its message is acknowledged only once the broker has it. */
  publish(d: Delivery<HeldMessage>, a: Answer): void;
  /** Dead letters the broker has not acknowledged yet. */
  pending(): number;
}

/** Dead letters to typedcluster/dead-letter/<function> (docs/topics.md, "Dead letters"), retried with back-off. */
export function createDeadLetterPublisher(deps: DeadLetterPublisherDeps): DeadLetterPublisher {
  const { clock, config, metrics, warnLimited } = deps;
  let pending = 0;

  return {
    publish(d, a) {
      const m = d.message;
      const letter = deadLetterOf({ fn: d.fn, topic: m.topic, payload: m.payload, answer: a, attempts: d.attempts, firstAttemptAt: d.firstAttemptAt, lastAttemptAt: d.lastAttemptAt });
      metrics.message(d.fn, 'dead_letter');
      metrics.deadLetter(d.fn, letter.code);
      warnLimited(`dead:${d.fn}:${letter.code}`, 'published a dead letter', { function: d.fn, topic: m.topic, code: letter.code, status: letter.status, attempts: letter.attempts, reason: letter.reason });
      deps.held.deadLetterSent(m);
      pending++;
      const body = JSON.stringify(letter);
      let failures = 0;
      const send = (): void => {
        deps.client()!.publish(TOPICS.deadLetter(d.fn), body, { qos: 1 }, (err) => {
          if (err) {
            if (deps.isStopping()) return; // not acknowledged: dead-lettered again in the next session
            failures++;
            warnLimited(`dead-publish:${d.fn}`, 'could not publish a dead letter; trying again', { function: d.fn, error: err.message });
            clock.setTimeout(send, backoffMs(failures, config.retryBackoffMs, config.retryBackoffMaxMs));
            return;
          }
          pending--;
          deps.held.deadLetterAcknowledged(m);
        });
      };
      send();
    },
    pending: () => pending,
  };
}
