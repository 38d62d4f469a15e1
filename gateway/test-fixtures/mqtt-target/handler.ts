import { batchReply, FRAMES_CONTENT_TYPE, splitFrames, type ErrorCode, type FrameOutcome, type FunctionRuntime, type Handler } from '@typedcluster/core';

/**
 * Fixture for the MQTT connector: each message (or each frame of a
 * `application/vnd.typedcluster.frames` batch) is a JSON rule saying how to
 * answer it, e.g. `{"id":"m1","status":500,"code":"HANDLER_FAILED","times":2}`:
 * fail the first 2 times this function sees m1 (-1: always), then succeed.
 * `only` limits the rule to one function name; `delayMs` waits first
 * (times DELAY_FACTOR); `throw` makes the handler throw (500 HANDLER_FAILED
 * for the whole request, the way a poison message breaks a batch). Each
 * invocation is reported to REPORT_URL, when set, as it starts and ends.
 */
export interface Rule {
  readonly id: string;
  readonly status?: number;
  readonly code?: string;
  readonly times?: number;
  readonly only?: string;
  readonly delayMs?: number;
  readonly throw?: boolean;
}

export interface TargetDeps {
  readonly name: string;
  readonly report: (body: object) => Promise<void>;
  readonly delayFactor: number;
  readonly seen: Map<string, number>;
}

export async function setup(rt: FunctionRuntime): Promise<TargetDeps> {
  const url = rt.env['REPORT_URL'];
  return {
    name: rt.env['FUNCTION_NAME'] ?? rt.name,
    delayFactor: Number(rt.env['DELAY_FACTOR'] ?? '1'),
    seen: new Map(),
    report: async (body) => {
      if (!url) return;
      await rt.fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).catch(() => undefined);
    },
  };
}

const parseRule = (bytes: Uint8Array): Rule => {
  try {
    const r = JSON.parse(Buffer.from(bytes).toString('utf8')) as Rule;
    return typeof r === 'object' && r !== null && typeof r.id === 'string' ? r : { id: '?' };
  } catch {
    return { id: '?' };
  }
};

export function createHandler(deps: TargetDeps): Handler {
  /** The failure this rule calls for now, or undefined to succeed; counts the sighting. */
  const failureOf = (rule: Rule): { status: number; code: string } | 'throw' | undefined => {
    if (rule.only !== undefined && rule.only !== deps.name) return undefined;
    const n = (deps.seen.get(rule.id) ?? 0) + 1;
    deps.seen.set(rule.id, n);
    const times = rule.times ?? -1;
    if (times >= 0 && n > times) return undefined;
    if (rule.throw) return 'throw';
    return rule.status === undefined ? undefined : { status: rule.status, code: rule.code ?? 'BAD_REQUEST' };
  };
  const delayOf = (rule: Rule): number => (rule.only === undefined || rule.only === deps.name ? (rule.delayMs ?? 0) * deps.delayFactor : 0);

  return async (event, context) => {
    const batch = (event.headers['content-type'] ?? '').startsWith(FRAMES_CONTENT_TYPE);
    const split = batch ? splitFrames(event.body) : undefined;
    const rules = split === undefined ? [parseRule(event.body)] : split.ok ? split.value.frames.map(parseRule) : [];
    const base = { fn: deps.name, batch, topic: event.headers['x-topic'], ids: rules.map((r) => r.id) };
    await deps.report({ ...base, phase: 'start', at: Date.now() });
    const delay = Math.max(0, ...rules.map(delayOf));
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    const failures = rules.map(failureOf);
    await deps.report({ ...base, phase: 'end', at: Date.now() });
    if (failures.includes('throw')) throw new Error(`poison message in ${base.ids.join(',')}`);
    if (batch) {
      const results: FrameOutcome[] = failures.map((f, i) =>
        f === undefined || f === 'throw' ? { ok: true, device: 1, seq: String(i), type: 'reading' } : { ok: false, code: f.code as ErrorCode, message: `rule of ${rules[i]!.id}` },
      );
      return context.status(200).succeed(batchReply(results));
    }
    const f = failures[0];
    if (f === undefined || f === 'throw') return context.status(200).succeed({ ok: true, id: rules[0]!.id });
    return context.status(f.status).fail({ code: f.code, message: `rule of ${rules[0]!.id}` });
  };
}
