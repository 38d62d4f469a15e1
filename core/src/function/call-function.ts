import { fail, ok, type Result } from '../result/result.js';

export interface CallOptions {
  readonly fetch: typeof fetch;
  readonly gatewayUrl: string;
  readonly timeoutMs: number;
}

/**
 * Calls the next function through the gateway, as OpenFaaS functions do
 * (`${gateway}/function/<name>`), and returns its JSON answer. A 5xx, a
 * timeout or a network error is UPSTREAM_FAILED: the whole request should
 * be retried, and the stores downstream are idempotent, so that is safe.
 */
export async function callFunction<T>(opts: CallOptions, name: string, body: Uint8Array | string, contentType: string): Promise<Result<T>> {
  let res: Response;
  try {
    res = await opts.fetch(`${opts.gatewayUrl.replace(/\/$/, '')}/function/${name}`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
  } catch (e) {
    return fail('UPSTREAM_FAILED', `${name} unreachable: ${(e as Error).message}`);
  }
  const text = await res.text().catch(() => '');
  if (res.status >= 500 || res.status === 429) {
    return fail('UPSTREAM_FAILED', `${name} answered ${res.status}: ${text.slice(0, 200)}`);
  }
  try {
    return ok(JSON.parse(text) as T);
  } catch {
    return fail('UPSTREAM_FAILED', `${name} answered ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
}
