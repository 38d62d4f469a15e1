import { FRAMES_CONTENT_TYPE } from '../wire/constants.js';
import { joinFrames } from '../wire/stream-framing.js';
import type { FrameOutcome } from '../pipeline/frame-outcome.js';

export interface DeliveryOptions {
  readonly fetch: typeof fetch;
  /** e.g. http://127.0.0.1:8080/function/ingest-binary */
  readonly url: string;
  /** Tries per request before giving up (default 8). */
  readonly attempts?: number;
  /** First back-off; doubles each try up to 2 s (default 50 ms). */
  readonly backoffMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface Delivery {
  /** Final outcome per frame, in order. */
  readonly outcomes: readonly FrameOutcome[];
  /** Requests that had to be repeated (5xx, 429, network errors). */
  readonly retries: number;
}

/**
 * Sends frames to ingest-binary the way a device should: one batch request
 * (wire-format §6), repeated with back-off while the platform answers 5xx,
 * 429 or nothing at all. Repeating is safe because storage is idempotent; a
 * frame that was stored by an earlier try comes back REPLAY, which
 * `isDelivered` counts as delivered. A 4xx for the whole request is final.
 */
export async function deliverFrames(frames: readonly Uint8Array[], o: DeliveryOptions): Promise<Delivery> {
  const attempts = o.attempts ?? 8;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const body = joinFrames(frames);
  let delay = o.backoffMs ?? 50;
  let last = '';
  for (let i = 0; i < attempts; i++) {
    if (i > 0) {
      await sleep(delay);
      delay = Math.min(delay * 2, 2000);
    }
    try {
      const res = await o.fetch(o.url, { method: 'POST', headers: { 'content-type': FRAMES_CONTENT_TYPE }, body });
      const text = await res.text();
      if (res.status >= 500 || res.status === 429) {
        last = `HTTP ${res.status}: ${text.slice(0, 120)}`;
        continue;
      }
      const reply = JSON.parse(text) as { results?: FrameOutcome[]; code?: string; message?: string };
      if (!Array.isArray(reply.results)) throw new Error(`request refused: ${res.status} ${reply.code ?? ''} ${reply.message ?? text.slice(0, 120)}`);
      return { outcomes: reply.results, retries: i };
    } catch (e) {
      if ((e as Error).message.startsWith('request refused')) throw e;
      last = (e as Error).message;
    }
  }
  throw new Error(`gave up after ${attempts} tries: ${last}`);
}

/** Stored now, or stored by an earlier try (REPLAY). */
export const isDelivered = (o: FrameOutcome): boolean => o.ok || o.code === 'REPLAY';
