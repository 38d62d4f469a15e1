// The public surface of @typedcluster/core: one export list.
export { ERRORS, isErrorCode, httpStatusOf, REJECTION_CODES } from './errors/catalogue.js';
export type { ErrorCode } from './errors/catalogue.js';
export { StartupError } from './errors/startup-error.js';
export { ok, fail } from './result/result.js';
export type { Result, Failure } from './result/result.js';
export { envString, envOptional, envInt, envBool, envDurationMs, envUrl, parseDurationMs } from './config/env-parsers.js';
export type { Env } from './config/env-parsers.js';
export { readSecret, readSecretOptional, secretsDir, DEFAULT_SECRETS_DIR } from './config/secrets.js';
export { createLogger, createRateLimitedLog } from './log/logger.js';
export type { Logger, Level, Fields, LoggerOptions } from './log/logger.js';
export { createContext, failWith, formatRejections, parseRejections } from './function/function-context.js';
export { REJECTED_HEADER } from './function/function-types.js';
export type { FunctionEvent, FunctionContext, FunctionResponse, ResponseBody, Handler, FunctionRuntime, FunctionModule } from './function/function-types.js';
export type { ReadingRecord, CycleRecord, TextRecord, TextBatch, StoreOutcome } from './pipeline/text-record.js';
