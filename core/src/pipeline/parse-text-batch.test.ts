import assert from 'node:assert/strict';
import { parseTextBatch } from './parse-text-batch.js';

const reading = { type: 'reading', device: 7, seq: '1700000000000000', keyId: 1, ts: '2026-11-21T07:00:00.000Z', temperature: 21.5, pressure: 101.3, humidity: null };
const cycle = { type: 'cycle', device: 8, seq: '42', keyId: 2, cycleStart: '2026-11-21T07:00:00.000Z', cycle: 3, phases: Array.from({ length: 5 }, () => [1, 2, 3, 4, null]) };

describe('parseTextBatch', () => {
  it('accepts readings and cycles', () => {
    const r = parseTextBatch(JSON.stringify({ records: [reading, cycle] }));
    assert.ok(r.ok);
    assert.equal(r.value.records.length, 2);
    assert.deepEqual(r.value.records[0], reading);
  });

  const bad: Array<[string, unknown, string]> = [
    ['non-JSON', 'not json', 'BAD_REQUEST'],
    ['no records', { rows: [] }, 'BAD_REQUEST'],
    ['device 0', { records: [{ ...reading, device: 0 }] }, 'BAD_REQUEST'],
    ['numeric seq', { records: [{ ...reading, seq: 5 }] }, 'BAD_REQUEST'],
    ['seq over 2^63', { records: [{ ...reading, seq: '9223372036854775808' }] }, 'BAD_REQUEST'],
    ['bad date', { records: [{ ...reading, ts: 'yesterday' }] }, 'BAD_REQUEST'],
    ['string value', { records: [{ ...reading, temperature: '21' }] }, 'BAD_REQUEST'],
    ['4 phases', { records: [{ ...cycle, phases: cycle.phases.slice(1) }] }, 'BAD_REQUEST'],
    ['unknown type', { records: [{ ...reading, type: 'alarm' }] }, 'BAD_REQUEST'],
  ];
  for (const [name, body, code] of bad) {
    it(`rejects ${name} with ${code}`, () => {
      const r = parseTextBatch(typeof body === 'string' ? body : JSON.stringify(body));
      assert.equal(r.ok, false);
      if (!r.ok) assert.equal(r.error.code, code);
    });
  }

  it('rejects too many records with TOO_LARGE', () => {
    const r = parseTextBatch(JSON.stringify({ records: [reading, reading, reading] }), 2);
    assert.equal(r.ok ? 'ok' : r.error.code, 'TOO_LARGE');
  });
});
