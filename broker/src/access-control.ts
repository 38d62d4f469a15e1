import { deviceTopics, isValidFilter, TOPICS, topicMatches } from '@typedcluster/core';

/**
 * Who may publish and subscribe to what (docs/topics.md §Access control),
 * as pure functions over an authenticated user, so the rules are tested
 * without a broker and the broker only wires them in.
 */
export type BrokerUser =
  | { readonly kind: 'device'; readonly deviceId: number }
  | { readonly kind: 'gateway' }
  | { readonly kind: 'alert-client' }
  | { readonly kind: 'function'; readonly name: FunctionUser };

/** The gateway connector's MQTT username (docs/topics.md §Authentication). */
export const GATEWAY_USERNAME = 'gateway';
/** The alert client's MQTT username (`typedcluster alerts`, docs/topics.md §Authentication). */
export const ALERT_CLIENT_USERNAME = 'alert-client';

/**
 * The functions that publish, one MQTT user each (username = function name,
 * password = secret `mqtt-{name}-password`), so a function can publish only
 * its own stage: store-reading cannot forge anomaly reports.
 */
export const FUNCTION_USERS = {
  'store-reading': [TOPICS.readings('+')],
  'detect-anomaly': [TOPICS.anomalyReport('+')],
} as const satisfies Record<string, readonly string[]>;
export type FunctionUser = keyof typeof FUNCTION_USERS;
export const isFunctionUser = (name: string): name is FunctionUser => Object.prototype.hasOwnProperty.call(FUNCTION_USERS, name);

/** A device topic with `+` for the id: every device's (the builders only interpolate the id). */
const everyDevice = (build: (id: number) => string): string => (build as (id: unknown) => string)('+');

/** The gateway's filters; a subscription must lie inside one of them. */
const GATEWAY_SUBSCRIBE = [everyDevice(TOPICS.plcCycle), everyDevice(TOPICS.sensorReading), TOPICS.deadLetter('#'), TOPICS.readings('+')];
const GATEWAY_PUBLISH = [TOPICS.deadLetter('#')];
/** The alert client publishes `alerts/{plc}/{kind}` and subscribes to nothing. */
const ALERT_CLIENT_PUBLISH = TOPICS.alert('+', '#');

export interface PublishRequest {
  readonly topic: string;
  readonly qos: number;
  readonly retain: boolean;
}

/** True when `user` may publish this message. */
export function mayPublish(user: BrokerUser, p: PublishRequest): boolean {
  if (user.kind === 'gateway') return GATEWAY_PUBLISH.some((f) => topicMatches(f, p.topic));
  // Alerts are events, QoS 0 or 1; a retained alert would greet every new subscriber with stale news.
  if (user.kind === 'alert-client') return topicMatches(ALERT_CLIENT_PUBLISH, p.topic) && p.qos <= 1 && !p.retain;
  // Stages and reports are events too: QoS 0 or 1, never retained.
  if (user.kind === 'function') return FUNCTION_USERS[user.name].some((f) => topicMatches(f, p.topic)) && p.qos <= 1 && !p.retain;
  // A device: only its own two topics, spelled exactly (no `plc/07/cycle`
  // alias), QoS 0 or 1, never retained (a retained frame would be replayed
  // to every new subscriber, long after its session).
  return deviceTopics(user.deviceId).includes(p.topic) && p.qos <= 1 && !p.retain;
}

/** True when `user` may subscribe to `filter`: only the gateway, inside its filters; every other user never. */
export function maySubscribe(user: BrokerUser, filter: string): boolean {
  if (user.kind !== 'gateway' || !isValidFilter(filter)) return false;
  return GATEWAY_SUBSCRIBE.some((allowed) => filterWithin(allowed, filter));
}

/**
 * `filter` matches only topics that `allowed` matches too. A filter read as
 * a topic matches level by level (`+` against `+`), which is right except
 * for a `#` in the filter: only a `#` in `allowed` may cover that.
 */
function filterWithin(allowed: string, filter: string): boolean {
  if (filter.endsWith('#') && !allowed.endsWith('#')) return false;
  return topicMatches(allowed, filter);
}
