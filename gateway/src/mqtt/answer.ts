import { httpStatusOf, isErrorCode, type FrameOutcome } from '@typedcluster/core';
import type { InvocationOutcome } from '../http/invoke-function.js';

/**
 * What the connector does with a message after a function's answer
 * (docs/topics.md, "Delivery: the gateway connector"):
 * - `done`, `replay`: acknowledge;
 * - `reject`: the message is bad: dead letter at once;
 * - `poison`: may be this message: retry, dead letter after MQTT_MAX_ATTEMPTS;
 * - `outage`: something it depends on is down: retry without limit.
 */
export type Verdict = 'done' | 'replay' | 'reject' | 'poison' | 'outage';

/** One answer about one message: the status and, for failures, the `{code, message}` the function or gateway gave. */
export interface Answer {
  readonly status: number;
  readonly code: string | undefined;
  readonly reason: string;
  readonly verdict: Verdict;
}

/** The table of docs/topics.md. */
export function verdictOf(status: number, code: string | undefined): Verdict {
  if (status >= 200 && status < 300) return 'done';
  if (status === 409 && code === 'REPLAY') return 'replay';
  if (status === 429 || status === 503 || (status === 502 && code === 'UPSTREAM_FAILED')) return 'outage';
  if (status >= 400 && status < 500) return 'reject';
  // 500 HANDLER_FAILED, 502 FUNCTION_CRASHED, 504 FUNCTION_TIMEOUT, any other 5xx; and statuses no function should answer.
  return 'poison';
}

const REASON_MAX = 500;
const clip = (s: string): string => (s.length > REASON_MAX ? `${s.slice(0, REASON_MAX)}…` : s);

/** The answer of a whole invocation: the gateway's own failure, or the function's status and JSON `{code, message}` body. */
export function answerOf(outcome: InvocationOutcome): Answer {
  if (!outcome.ok) return answer(outcome.status, outcome.error.code, outcome.error.message);
  const { status, body } = outcome.response;
  if (status >= 200 && status < 300) return answer(status, undefined, '');
  const parsed = parseJson(body);
  const code = isRecord(parsed) && typeof parsed['code'] === 'string' ? parsed['code'] : undefined;
  const message = isRecord(parsed) && typeof parsed['message'] === 'string' ? parsed['message'] : undefined;
  return answer(status, code, message ?? (body.length > 0 && parsed === undefined ? body.subarray(0, REASON_MAX).toString('utf8') : `the function answered ${status}`));
}

/** The answer about one frame of a batch, from its outcome in the BatchReply. */
export function frameAnswerOf(result: FrameOutcome): Answer {
  if (result.ok) return answer(200, undefined, '');
  const code: string = result.code;
  return answer(isErrorCode(code) ? httpStatusOf(code) : 500, code, typeof result.message === 'string' ? result.message : '');
}

/** Which answer about a bundle's frames decides the message: the one that asks most of the connector. */
const PRECEDENCE: Readonly<Record<Verdict, number>> = { outage: 4, poison: 3, reject: 2, done: 1, replay: 0 };

/**
 * The answer about one message from its frames' results: a frame's own
 * answer, or for a bundle (wire-format §6.5) the most demanding of its
 * frames' (an outage retries the whole bundle, and the frames stored
 * meanwhile come back REPLAY; a refused frame dead-letters the bundle,
 * naming it, while the others stay stored). All REPLAY is replay.
 */
export function bundleAnswerOf(results: readonly FrameOutcome[], bundle: boolean): Answer {
  const answers = results.map(frameAnswerOf);
  if (!bundle || answers.length === 1) return answers[0]!;
  let worst = answers[0]!;
  let at = 0;
  answers.forEach((a, i) => {
    if (PRECEDENCE[a.verdict] > PRECEDENCE[worst.verdict]) [worst, at] = [a, i];
  });
  if (worst.verdict === 'done' || worst.verdict === 'replay') return worst;
  const bad = answers.filter((a) => a.verdict === worst.verdict).length;
  return answer(worst.status, worst.code, `frame ${at + 1} of ${answers.length} (${bad} like it): ${worst.reason}`);
}

/**
 * The per-frame results of a 2xx batch answer, or undefined when the body
 * is not a BatchReply with exactly `count` results (then the batch is
 * retried one message at a time).
 */
export function batchResultsOf(outcome: InvocationOutcome, count: number): readonly FrameOutcome[] | undefined {
  if (!outcome.ok || outcome.status < 200 || outcome.status >= 300) return undefined;
  const parsed = parseJson(outcome.response.body);
  if (!isRecord(parsed) || !Array.isArray(parsed['results'])) return undefined;
  const results = parsed['results'] as unknown[];
  if (results.length !== count) return undefined;
  for (const r of results) {
    if (!isRecord(r) || typeof r['ok'] !== 'boolean') return undefined;
    if (r['ok'] === false && typeof r['code'] !== 'string') return undefined;
  }
  return results as FrameOutcome[];
}

function answer(status: number, code: string | undefined, reason: string): Answer {
  return { status, code, reason: clip(reason), verdict: verdictOf(status, code) };
}

function parseJson(body: Buffer): unknown {
  const first = body.find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
  if (first !== 0x7b) return undefined; // '{'
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
