import { Counter, Gauge, type Registry } from 'prom-client';
import { isErrorCode } from '@typedcluster/core';

/** What happened to a message at one function: `retried` counts each retry, the others the end. */
export type MessageOutcome = 'done' | 'replay' | 'dead_letter' | 'retried';

export interface ConnectorMetrics {
  message(fn: string, outcome: MessageOutcome): void;
  deadLetter(fn: string, code: string): void;
  setInflight(n: number): void;
  setConnected(up: boolean): void;
}

/** The connector's series, in the gateway's registry (gateway/README.md, "Metrics"). */
export function createConnectorMetrics(registry: Registry): ConnectorMetrics {
  const registers = [registry];
  const messages = new Counter({
    name: 'typedcluster_mqtt_messages_total',
    help: 'MQTT messages per function by outcome: done, replay (409 REPLAY), dead_letter, retried (each retry)',
    labelNames: ['function_name', 'outcome'],
    registers,
  });
  const deadLetters = new Counter({
    name: 'typedcluster_mqtt_dead_letters_total',
    help: 'Messages published to typedcluster/dead-letter/<function>, by catalogue code (OTHER for unknown codes)',
    labelNames: ['function_name', 'code'],
    registers,
  });
  const inflight = new Gauge({ name: 'typedcluster_mqtt_inflight', help: 'MQTT messages received and not yet acknowledged', registers });
  const connected = new Gauge({ name: 'typedcluster_mqtt_connected', help: '1 while the connector is connected to the broker', registers });
  connected.set(0);
  inflight.set(0);
  return {
    message: (fn, outcome) => messages.inc({ function_name: fn, outcome }),
    deadLetter: (fn, code) => deadLetters.inc({ function_name: fn, code: isErrorCode(code) ? code : 'OTHER' }),
    setInflight: (n) => inflight.set(n),
    setConnected: (up) => connected.set(up ? 1 : 0),
  };
}
