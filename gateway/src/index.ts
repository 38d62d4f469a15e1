// The public surface of @typedcluster/gateway: one export list.
export { buildGateway } from './http/build-gateway.js';
export type { GatewayDeps, GatewayVersion } from './http/gateway-deps.js';
export { startGateway } from './server.js';
export type { StartGatewayOptions, RunningGateway } from './server.js';
export { readGatewayConfig, GATEWAY_CONFIG_VARIABLES } from './config/read-gateway-config.js';
export type { GatewayConfig, BasicAuthCredentials, ConfigVariable } from './config/read-gateway-config.js';
export { loadStack, parseStack } from './stack/load-stack.js';
export type { Stack, StackFunction, FunctionResources } from './stack/stack-types.js';
export { createGatewayMetrics } from './metrics/gateway-metrics.js';
export type { GatewayMetrics } from './metrics/gateway-metrics.js';
export { createSupervisor } from './runtime/supervisor.js';
export type { Supervisor, ProcessSupervisor, FunctionSnapshot } from './runtime/supervisor.js';
export type { FunctionDefinition } from './runtime/function-definition.js';
export type { Clock } from './runtime/clock.js';
