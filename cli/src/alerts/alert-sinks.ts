import { TOPICS } from '@typedcluster/core';
import type { Alert } from './alert.js';
import { formatAlert } from './alert.js';

/**
 * Where alerts go. `deliver` answers `done` once the sink has the alert
 * (MQTT: PUBACK; webhook: 2xx), `retry` when it should be tried again later
 * (it stays pending, in order), `drop` when the receiver refused it for good.
 */
export type Delivery = { outcome: 'done' } | { outcome: 'retry' | 'drop'; why: string };
export interface AlertSink {
  readonly name: string;
  deliver(alert: Alert): Promise<Delivery>;
  close?(): Promise<void>;
}

const DONE: Delivery = { outcome: 'done' };

export function consoleSink(out: (line: string) => void): AlertSink {
  return {
    name: 'console',
    deliver: async (a) => {
      out(formatAlert(a));
      return DONE;
    },
  };
}

/** The topic of an alert (docs/topics.md): `alerts/{plc}/{kind}`. */
export const alertTopic = (a: Alert): string => TOPICS.alert(a.plc, a.kind);

/** What the MQTT sink needs of an MQTT client (mqtt.js's MqttClient has it). */
export interface MqttPublisher {
  readonly connected: boolean;
  publishAsync(topic: string, message: string, opts: { qos: 1; retain: false }): Promise<unknown>;
}

/**
 * Publishes each alert as JSON with QoS 1 and waits for the broker's PUBACK.
 * While disconnected it does not queue inside mqtt.js (which would publish
 * again on reconnect and duplicate): the alert stays pending in the state
 * file and is sent when the connection is back.
 */
export function mqttSink(client: MqttPublisher, timeoutMs = 10_000, close?: () => Promise<void>): AlertSink {
  return {
    name: 'mqtt',
    async deliver(a) {
      if (!client.connected) return { outcome: 'retry', why: 'not connected to the MQTT broker' };
      try {
        await withTimeout(client.publishAsync(alertTopic(a), JSON.stringify(a), { qos: 1, retain: false }), timeoutMs);
        return DONE;
      } catch (e) {
        return { outcome: 'retry', why: e instanceof Error ? e.message : String(e) };
      }
    },
    ...(close ? { close } : {}),
  };
}

/**
 * POSTs each alert as JSON. 2xx: done. 408, 429, 5xx and network errors:
 * retried on the next drain. Any other 4xx: the receiver refused this
 * alert for good; retrying would block every alert behind it.
 */
export function webhookSink(url: string, fetchFn: typeof fetch, timeoutMs = 10_000): AlertSink {
  return {
    name: 'webhook',
    async deliver(a) {
      try {
        const res = await fetchFn(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json; charset=utf-8', 'idempotency-key': a.id },
          body: JSON.stringify(a),
          signal: AbortSignal.timeout(timeoutMs),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) return DONE;
        const why = `webhook answered ${res.status}`;
        return res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429 ? { outcome: 'drop', why } : { outcome: 'retry', why };
      } catch (e) {
        const cause = (e as { cause?: { code?: string } }).cause?.code;
        return { outcome: 'retry', why: `webhook unreachable: ${cause ?? (e instanceof Error ? e.message : String(e))}` };
      }
    },
  };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no PUBACK within ${ms} ms`)), ms)));
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
