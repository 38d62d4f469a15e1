import assert from 'node:assert/strict';
import type { Frame } from '../wire/frame-types.js';
import { parseTextBatch } from './parse-text-batch.js';
import { toTextRecord } from './to-text-record.js';

const frame = (type: Frame['type']): Frame => ({ type, deviceId: 12, keyId: 3, seq: 2n ** 62n + 1n, header: new Uint8Array(20), body: new Uint8Array(0) });

describe('toTextRecord', () => {
  it('turns a reading into text with an ISO timestamp and the seq as a decimal string', () => {
    const r = toTextRecord(frame('reading'), { type: 'reading', deviceId: 12, ts: Date.UTC(2026, 10, 21, 7), temperature: 21.5, pressure: NaN, humidity: Infinity });
    assert.deepEqual(r, { type: 'reading', device: 12, seq: '4611686018427387905', keyId: 3, ts: '2026-11-21T07:00:00.000Z', temperature: 21.5, pressure: null, humidity: null });
  });

  it('turns a cycle into text that store-reading accepts', () => {
    const phases = Array.from({ length: 5 }, (_, p) => [p, p + 0.5, -Infinity, 3, 4]);
    const r = toTextRecord(frame('cycle'), { type: 'cycle', deviceId: 12, cycleStart: 0, cycle: 9, phases });
    assert.equal(r.type, 'cycle');
    if (r.type !== 'cycle') return;
    assert.equal(r.cycleStart, '1970-01-01T00:00:00.000Z');
    assert.deepEqual(r.phases[1], [1, 1.5, null, 3, 4]);
    const parsed = parseTextBatch(JSON.stringify({ records: [r] }));
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.error.message);
  });
});
