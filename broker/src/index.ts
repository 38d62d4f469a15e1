// The public surface of @typedcluster/broker: one export list.
export { startBroker } from './start-broker.js';
export type { BrokerOptions, RunningBroker } from './start-broker.js';
export { readBrokerConfig, BROKER_CONFIG_VARIABLES, DEFAULT_MQTT_PORT, DEFAULT_MAX_PACKET_BYTES } from './broker-config.js';
export type { BrokerConfig, BrokerConfigVariable } from './broker-config.js';
export type { DeviceAuthenticator } from './authenticate-client.js';
export { ALERT_CLIENT_USERNAME, FUNCTION_USERS, GATEWAY_USERNAME, mayPublish, maySubscribe } from './access-control.js';
export type { BrokerUser, FunctionUser, PublishRequest } from './access-control.js';
export { REFUSAL_REASONS } from './refusal.js';
export type { RefusalReason } from './refusal.js';
export type { BrokerMetrics } from './broker-metrics.js';
