/**
 * Server-sent events framing (WHATWG HTML, "Server-sent events",
 * text/event-stream): `event:`, `id:` and one `data:` line per line of the
 * payload, ended by a blank line. Our payloads are JSON, which has no raw
 * newlines, but the split keeps any text safe.
 */
export interface SseEvent {
  readonly event: string;
  readonly data: string;
  readonly id?: string;
}

export function formatSseEvent(e: SseEvent): string {
  if (/[\r\n]/.test(e.event) || (e.id !== undefined && /[\r\n\0]/.test(e.id))) throw new Error('SSE event names and ids are single-line');
  let out = `event: ${e.event}\n`;
  if (e.id !== undefined) out += `id: ${e.id}\n`;
  for (const line of e.data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return out + '\n';
}

/** A comment line: ignored by EventSource, keeps idle connections (phones, proxies) open. */
export const SSE_HEARTBEAT = ': ping\n\n';

/** Tells EventSource how long to wait before reconnecting. */
export const sseRetry = (ms: number): string => `retry: ${Math.round(ms)}\n\n`;
