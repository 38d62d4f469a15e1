import { FUNCTION_INFO_PATH, type FunctionInfo } from '@typedcluster/core';
import type { Supervisor } from '../runtime/supervisor.js';

/** How long /system/info waits for one function; the info path answers without the handler, so a live process is far quicker. */
const INFO_WAIT_MS = 2000;

const isInfo = (x: unknown): x is FunctionInfo =>
  typeof x === 'object' && x !== null && !Array.isArray(x) && Object.values(x).every((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v));

/**
 * What each ready function declares about itself (its module's info(), on
 * the template's FUNCTION_INFO_PATH), e.g. detect-anomaly's TensorFlow.js
 * backend. Asked when /system/info is requested, so the gateway never
 * loads a function's libraries itself; a function that is not ready, does
 * not answer in time or answers something else is left out.
 */
export async function collectFunctionInfo(supervisor: Supervisor): Promise<Record<string, FunctionInfo>> {
  const ready = supervisor.list().filter((s) => s.state === 'ready' && s.availableReplicas === 1);
  const answers = await Promise.all(
    ready.map(async (s) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), INFO_WAIT_MS)));
      try {
        const r = await Promise.race([supervisor.invoke(s.definition.name, { method: 'GET', path: FUNCTION_INFO_PATH, headers: {}, body: Buffer.alloc(0) }), timeout]);
        if (!r?.ok || r.value.status !== 200) return undefined;
        const body: unknown = JSON.parse(r.value.body.toString('utf8'));
        return isInfo(body) ? ([s.definition.name, body] as const) : undefined;
      } catch {
        return undefined; // not JSON: a function on another template
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return Object.fromEntries(answers.filter((a) => a !== undefined));
}
