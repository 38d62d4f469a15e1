import assert from 'node:assert/strict';
import { formatSseEvent, SSE_HEARTBEAT, sseRetry } from './sse-frame.js';

/** A minimal text/event-stream parser, as EventSource reads it, to check our framing round-trips. */
function parse(stream: string): Array<{ event: string; id: string | undefined; data: string }> {
  const out: Array<{ event: string; id: string | undefined; data: string }> = [];
  for (const block of stream.split('\n\n')) {
    const lines = block.split('\n').filter((l) => l !== '' && !l.startsWith(':'));
    if (!lines.some((l) => l.startsWith('data:'))) continue;
    const field = (name: string) => lines.filter((l) => l.startsWith(`${name}:`)).map((l) => l.slice(name.length + 1).replace(/^ /, ''));
    out.push({ event: field('event')[0] ?? 'message', id: field('id')[0], data: field('data').join('\n') });
  }
  return out;
}

describe('dashboard: SSE framing', () => {
  it('writes event, id and data, ended by a blank line', () => {
    assert.equal(formatSseEvent({ event: 'rows', id: 'a-3', data: '{"x":1}' }), 'event: rows\nid: a-3\ndata: {"x":1}\n\n');
  });

  it('splits a multi-line payload into data lines that EventSource joins back', () => {
    const data = 'line one\nline two\r\nline three';
    const text = formatSseEvent({ event: 'note', data }) + SSE_HEARTBEAT + formatSseEvent({ event: 'health', id: '9', data: '{}' });
    assert.deepEqual(parse(text), [
      { event: 'note', id: undefined, data: 'line one\nline two\nline three' },
      { event: 'health', id: '9', data: '{}' },
    ]);
  });

  it('refuses an event name or id that would break the framing', () => {
    assert.throws(() => formatSseEvent({ event: 'a\nb', data: '' }));
    assert.throws(() => formatSseEvent({ event: 'a', id: '1\n2', data: '' }));
  });

  it('heartbeats are comments and retry is a field', () => {
    assert.deepEqual(parse(SSE_HEARTBEAT), []);
    assert.equal(sseRetry(2000), 'retry: 2000\n\n');
  });
});
