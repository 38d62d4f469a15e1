import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { isErrorCode, parseRejections } from '@typedcluster/core';

/**
 * The gateway's Prometheus metrics, OpenFaaS names where OpenFaaS has one.
 * The registry is injected (one per gateway, so tests do not share state).
 */
export interface GatewayMetrics {
  readonly registry: Registry;
  invocationStarted(fn: string): void;
  /** `code` is the HTTP status answered to the caller. */
  invocationDone(fn: string, code: number, seconds: number): void;
  /** Counts the `X-Rejected: CODE=n,…` header of a function's answer. */
  countRejections(fn: string, header: string | string[] | undefined): void;
  restarted(fn: string, reason: string): void;
  setAvailable(fn: string, replicas: number): void;
  invocationCount(fn: string): number;
}

export function createGatewayMetrics(registry: Registry): GatewayMetrics {
  const registers = [registry];
  const invocations = new Counter({
    name: 'gateway_function_invocation_total',
    help: 'Function invocations by HTTP status answered',
    labelNames: ['function_name', 'code'],
    registers,
  });
  const seconds = new Histogram({
    name: 'gateway_functions_seconds',
    help: 'Function invocation time, seconds',
    labelNames: ['function_name', 'code'],
    registers,
  });
  const started = new Counter({
    name: 'gateway_function_invocation_started',
    help: 'Function invocations started',
    labelNames: ['function_name'],
    registers,
  });
  const serviceCount = new Gauge({
    name: 'gateway_service_count',
    help: 'Running (ready) replicas per function',
    labelNames: ['function_name'],
    registers,
  });
  const rejected = new Counter({
    name: 'typedcluster_frames_rejected_total',
    help: 'Inputs a function rejected, by catalogue code (from its X-Rejected header)',
    labelNames: ['function_name', 'reason'],
    registers,
  });
  const restarts = new Counter({
    name: 'typedcluster_function_restarts_total',
    help: 'Function process restarts by reason: crash, oom, timeout, startup, deploy',
    labelNames: ['function_name', 'reason'],
    registers,
  });
  const counts = new Map<string, number>();

  return {
    registry,
    invocationStarted: (fn) => started.inc({ function_name: fn }),
    invocationDone(fn, code, secs) {
      const labels = { function_name: fn, code: String(code) };
      invocations.inc(labels);
      seconds.observe(labels, secs);
      counts.set(fn, (counts.get(fn) ?? 0) + 1);
    },
    countRejections(fn, header) {
      if (header === undefined) return;
      for (const [code, n] of Object.entries(parseRejections(Array.isArray(header) ? header.join(',') : header))) {
        rejected.inc({ function_name: fn, reason: isErrorCode(code) ? code : 'OTHER' }, n);
      }
    },
    restarted: (fn, reason) => restarts.inc({ function_name: fn, reason }),
    setAvailable: (fn, n) => serviceCount.set({ function_name: fn }, n),
    invocationCount: (fn) => counts.get(fn) ?? 0,
  };
}
