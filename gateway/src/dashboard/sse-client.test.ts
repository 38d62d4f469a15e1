import assert from 'node:assert/strict';
import { SseClient } from './sse-client.js';
import { formatSseEvent } from './sse-frame.js';
import { FakeSink } from './testing-fakes.js';

const ev = (event: string, n: number) => formatSseEvent({ event, data: JSON.stringify({ n, pad: 'x'.repeat(1000) }) });

describe('dashboard: a slow viewer (back-pressure)', () => {
  it('writes at once while the viewer keeps up', () => {
    const sink = new FakeSink();
    const c = new SseClient(sink, { maxBufferedBytes: 20_000, resync: () => 'SNAPSHOT' });
    c.send('rows', ev('rows', 1), 'stream');
    c.send('health', ev('health', 1), 'latest');
    assert.deepEqual(sink.events().map((e) => e.event), ['rows', 'health']);
  });

  it('never queues more than the limit: drops stream events, keeps the newest of each latest kind, resyncs on drain', () => {
    const sink = new FakeSink();
    const dropped: string[] = [];
    let resyncs = 0;
    const c = new SseClient(sink, {
      maxBufferedBytes: 20_000,
      resync: () => {
        resyncs++;
        return formatSseEvent({ event: 'snapshot', data: '{"fresh":true}' });
      },
      onDropped: (k) => dropped.push(k),
    });
    sink.blocked = true;
    for (let i = 0; i < 200; i++) {
      c.send('rows', ev('rows', i), 'stream');
      c.send('health', ev('health', i), 'latest');
    }
    assert.ok(sink.writableLength <= 20_000 + 1100, `unsent ${sink.writableLength}`);
    assert.ok(c.congested);
    assert.ok(dropped.length > 300);
    const before = sink.events().length;
    sink.flush();
    const after = sink.events().slice(before);
    assert.equal(resyncs, 1);
    assert.deepEqual(after.map((e) => e.event), ['snapshot', 'health']);
    assert.equal((after[1]!.data as { n: number }).n, 199, 'only the newest health');
    c.send('rows', ev('rows', 500), 'stream');
    assert.equal(sink.events().at(-1)!.event, 'rows', 'live again');
  });

  it('skips heartbeats while congested', () => {
    const sink = new FakeSink();
    const c = new SseClient(sink, { maxBufferedBytes: 16_384, resync: () => '' });
    sink.blocked = true;
    for (let i = 0; i < 30; i++) c.send('rows', ev('rows', i), 'stream');
    const len = sink.text.length;
    c.heartbeat();
    assert.equal(sink.text.length, len);
  });
});
