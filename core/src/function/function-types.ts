import type { Env } from '../config/env-parsers.js';
import type { Logger } from '../log/logger.js';

/**
 * The OpenFaaS node handler contract, typed: `async (event, context)`.
 * The template (template/typescript-node) owns HTTP and builds these;
 * the handler owns logic. Bodies are always raw bytes (raw_body mode).
 */
export interface FunctionEvent {
  readonly body: Buffer;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
}

export type ResponseBody = Buffer | string | object | null;

export interface FunctionResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: ResponseBody;
}

/** Fluent like the OpenFaaS node18 template's context: `context.status(201).succeed(x)`. */
export interface FunctionContext {
  status(code: number): FunctionContext;
  headers(h: Record<string, string>): FunctionContext;
  succeed(body: ResponseBody): FunctionResponse;
  fail(body: ResponseBody): FunctionResponse;
}

export type Handler = (event: FunctionEvent, context: FunctionContext) => Promise<FunctionResponse>;

/** Real I/O handed to a function module's `setup`; tests build their own deps instead. */
export interface FunctionRuntime {
  readonly name: string;
  readonly env: Env;
  readonly log: Logger;
  readonly fetch: typeof fetch;
  readonly now: () => number;
  readonly readSecret: (name: string) => string;
  /** Base URL for calling other functions: `${gatewayUrl}/function/<name>`. */
  readonly gatewayUrl: string;
}

/**
 * What a function folder's handler.ts exports. The bootstrap calls
 * `setup(runtime)` once, then serves `createHandler(deps)`.
 */
export interface FunctionModule<D> {
  setup(runtime: FunctionRuntime): Promise<D>;
  createHandler(deps: D): Handler;
  teardown?(deps: D): Promise<void>;
  /**
   * What the running function declares about itself once set up (e.g.
   * detect-anomaly's TensorFlow.js backend), served on FUNCTION_INFO_PATH
   * and listed by the gateway's `/system/info`. Must be cheap.
   */
  info?(deps: D): FunctionInfo;
}

export type FunctionInfo = Readonly<Record<string, string | number | boolean | null>>;

/** Served by the template beside of-watchdog's `/_/health`: the module's info() as JSON. */
export const FUNCTION_INFO_PATH = '/_/info';

/**
 * Header naming the rejection codes a function found itself, as
 * `CODE=count,CODE=count`. The gateway turns it into the
 * `typedcluster_frames_rejected_total{function_name,reason}` counter; a
 * function that merely relays a downstream rejection does not repeat it,
 * so each rejection is counted once.
 */
export const REJECTED_HEADER = 'x-rejected';
