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

  it('writes float32 values as their shortest decimal, which reads back as the same float32', () => {
    const f32 = Math.fround;
    const reading = toTextRecord(frame('reading'), { type: 'reading', deviceId: 12, ts: 0, temperature: f32(23.4), pressure: f32(101.325), humidity: f32(-0.1) });
    assert.match(JSON.stringify(reading), /"temperature":23\.4,"pressure":101\.325,"humidity":-0\.1\}$/);
    const values = [23.4, 0.1, 1e-45, 3.4e38, 100.000015];
    const phases = Array.from({ length: 5 }, (_, p) => values.map((v) => f32(p % 2 === 0 ? v : -v)));
    const cycle = toTextRecord(frame('cycle'), { type: 'cycle', deviceId: 12, cycleStart: 0, cycle: 1, phases });
    const text = JSON.stringify(cycle);
    assert.match(text, /"phases":\[\[23\.4,0\.1,1e-45,3\.4e\+38,100\.000015\],\[-23\.4,/);
    const back = (JSON.parse(text) as { phases: number[][] }).phases;
    assert.deepEqual(back.map((row) => row.map(f32)), phases, 'each reads back as the float32 sent');
  });
});
