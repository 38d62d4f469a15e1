import assert from 'node:assert/strict';
import { BinaryArrayWriter, float4Array, int2Array, int8Array, timestamptzArray, u32Int8Array } from './binary-arrays.js';
import { createTestDatabase, type TestDatabase } from './test-support.js';

describe('binary array parameters @integration', function () {
  this.timeout(60_000);
  let t: TestDatabase;
  before(async () => {
    t = await createTestDatabase('binary_arrays');
  });
  after(() => t?.drop());

  /** The array as PostgreSQL read it, element by element as text (exact, no driver parsing in between). */
  const echo = async (type: string, param: Buffer): Promise<string[]> =>
    (await t.db.query<{ v: string }>(`SELECT v::text AS v FROM unnest($1::${type}[]) WITH ORDINALITY AS u(v, i) ORDER BY i`, [param])).rows.map((r) => r.v);

  it('sends smallint and bigint elements exactly, extremes included', async () => {
    assert.deepEqual(await echo('smallint', int2Array([1, -32768, 32767, 0])), ['1', '-32768', '32767', '0']);
    assert.deepEqual(await echo('bigint', int8Array([0n, 1n, 2n ** 63n - 1n, 4_294_967_296n])), ['0', '1', '9223372036854775807', '4294967296']);
    assert.deepEqual(await echo('bigint', u32Int8Array([0, 7, 0xffff_ffff])), ['0', '7', '4294967295']);
  });

  it('sends real elements as float32, NaN and ±Infinity as themselves', async () => {
    const values = [21.5, Math.fround(0.1), -0, 1e-45, Number.NaN, Infinity, -Infinity];
    // As float8: the float32 exactly, not its shortest decimal.
    const rows = (await t.db.query<{ v: number }>('SELECT v::float8 AS v FROM unnest($1::real[]) WITH ORDINALITY AS u(v, i) ORDER BY i', [float4Array(values)])).rows;
    assert.deepEqual(rows.map((r) => r.v), [21.5, Math.fround(0.1), -0, Math.fround(1e-45), Number.NaN, Infinity, -Infinity]);
  });

  it('sends timestamps to the exact millisecond, from 4713 BC to 275760 AD', async () => {
    const dates = ['-004713-11-24T00:00:00.000Z', '0001-01-01T00:00:00.001Z', '1969-12-31T23:59:59.999Z', '1970-01-01T00:00:00.000Z',
      '2000-01-01T00:00:00.000Z', '2026-11-21T07:40:00.123Z', '2262-04-11T23:47:16.855Z', '9999-12-31T23:59:59.999Z', '+275760-09-13T00:00:00.000Z'];
    // And 1000 more spread over the whole range, with every millisecond digit: float arithmetic would be off by some.
    const spread = Array.from({ length: 1000 }, (_, k) => Date.parse(dates[0] ?? '') + k * 8_750_000_000_000 + ((k * 37) % 1000));
    const ms = [...dates.map((d) => Date.parse(d)), ...spread];
    const back = (await t.db.query<{ ms: string }>(
      `SELECT (extract(epoch FROM v) * 1000)::numeric::text AS ms FROM unnest($1::timestamptz[]) WITH ORDINALITY AS u(v, i) ORDER BY i`, [timestamptzArray(ms)])).rows;
    assert.deepEqual(back.map((r) => Number(r.ms)), ms);
  });

  it('sends empty arrays', async () => {
    for (const [type, param] of [['smallint', int2Array([])], ['bigint', int8Array([])], ['real', float4Array([])], ['timestamptz', timestamptzArray([])]] as const) {
      assert.deepEqual(await echo(type, param), [], type);
    }
  });

  it('is refused by PostgreSQL as a parameter of another element type, not misread', async () => {
    await assert.rejects(t.db.query('SELECT $1::bigint[] AS v', [int2Array([1])]), /element type 21 \(smallint\) instead of expected 20 \(bigint\)/);
  });
});

describe('BinaryArrayWriter', () => {
  it('refuses to finish an array with fewer or more elements than announced', () => {
    const short = new BinaryArrayWriter('float4', 2);
    short.float4(1);
    assert.throws(() => short.done(), /binary array: 28 of 36 bytes written/);
    const long = new BinaryArrayWriter('int2', 1);
    long.int2(1);
    assert.throws(() => long.int2(2), RangeError);
  });
});
