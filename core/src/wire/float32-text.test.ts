import assert from 'node:assert/strict';
import { seededRandom } from '../crypto/seeded-random.js';
import { createTestDatabase, type TestDatabase } from '../db/test-support.js';
import { shortestFloat32 } from './float32-text.js';

/** The slow reference: the first p whose correctly rounded p digits round back to x. */
function reference(x: number): number {
  for (let p = 1; p <= 9; p++) {
    const v = +x.toPrecision(p);
    if (Math.fround(v) === x) return v;
  }
  throw new Error(`no 9-digit decimal rounds back to ${x}`);
}

/** Significant digits of the decimal JavaScript prints for v. */
const digitsOf = (v: number): number => String(Math.abs(v)).replace(/e.*$/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '').length;

const float32OfBits = (bits: number): number => {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, bits);
  return view.getFloat32(0);
};

const isPowerOfTwo = (x: number): boolean => x !== 0 && 2 ** Math.round(Math.log2(Math.abs(x))) === Math.abs(x);

/** Random float32 bit patterns, finite ones only (seeded: a failure is reproducible). */
function randomFloat32s(seed: number, n: number): number[] {
  const rnd = seededRandom(seed);
  const out: number[] = [];
  while (out.length < n) {
    const x = float32OfBits(rnd.u32());
    if (Number.isFinite(x)) out.push(x);
  }
  return out;
}

const cases: ReadonlyArray<readonly [string, number, string]> = [
  ['a typical temperature', 23.4, '23.4'],
  ['0.1', 0.1, '0.1'],
  ['a pressure', 101.325, '101.325'],
  ['the smallest subnormal', 1e-45, '1e-45'],
  ['a subnormal', 2 ** -140, '7.17e-43'],
  ['the smallest normal', 2 ** -126, '1.1754944e-38'],
  ['the largest float32', 3.4028234663852886e38, '3.4028235e+38'],
  ['1e22, the last exact power of ten', 1e22, '1e+22'],
  ['1e23', 1e23, '1e+23'],
  ['1e-14', 1e-14, '1e-14'],
  ['an integer float32 cannot hold', 123456789, '123456790'],
  ['a largest-integer float32', 16777215, '16777215'],
  ['a binary fraction', 21.25, '21.25'],
  ['a value that needs 9 digits', 100.00001525878906, '100.000015'],
  ['another that needs 9', 0.10000002384185791, '0.100000024'],
  ['a negative value', -40.1, '-40.1'],
  // The reference needs 9 digits here; the decimal above x is shorter and inside (asymmetric interval).
  ['2^87', 2 ** 87, '1.5474251e+26'],
  ['2^90', 2 ** 90, '1.2379401e+27'],
  ['2^-96', 2 ** -96, '1.2621775e-29'],
  // An exact tie between two 8-digit decimals: to even, as PostgreSQL (the reference rounds up).
  ['215914.625', 215914.625, '215914.62'],
  // 492354000 is exactly halfway to the next float32: not taken, as PostgreSQL (the reference takes it).
  ['492353984', 492353984, '492353980'],
];

describe('shortestFloat32', () => {
  for (const [what, value, text] of cases) {
    it(`writes ${what} as ${text}`, () => {
      const x = Math.fround(value);
      const r = shortestFloat32(x);
      assert.equal(JSON.stringify(r), text);
      assert.equal(Math.fround(r), x);
    });
  }

  it('keeps -0, 0, NaN and ±Infinity as they are, and a number that is no float32', () => {
    assert.ok(Object.is(shortestFloat32(-0), -0));
    assert.ok(Object.is(shortestFloat32(0), 0));
    assert.ok(Number.isNaN(shortestFloat32(NaN)));
    assert.equal(shortestFloat32(Infinity), Infinity);
    assert.equal(shortestFloat32(-Infinity), -Infinity);
    assert.equal(shortestFloat32(23.4), 23.4, '23.4 the double is not a float32: nothing to shorten');
  });

  it('writes every value with two decimals up to ±999.99 as that decimal', () => {
    const wrong: string[] = [];
    for (let k = -99_999; k <= 99_999; k++) {
      const decimal = k / 100;
      const r = shortestFloat32(Math.fround(decimal));
      if (r !== decimal) wrong.push(`${decimal} → ${r}`);
    }
    assert.deepEqual(wrong.slice(0, 5), []);
  });

  it('matches the toPrecision reference on 100,000 random float32 bit patterns and every power of two, but where PostgreSQL differs', () => {
    const powers = Array.from({ length: 277 }, (_, i) => 2 ** (i - 149));
    const values = [...randomFloat32s(20260321, 100_000), ...powers, ...powers.map((x) => -x)];
    const seen = { same: 0, binade: 0, tie: 0, bound: 0 };
    const wrong: string[] = [];
    for (const x of values) {
      const r = shortestFloat32(x);
      const ref = reference(x);
      const why = againstReference(x, r, ref);
      if (why === 'wrong') wrong.push(`${x}: ${r}, reference ${ref}`);
      else seen[why]++;
    }
    assert.deepEqual(wrong.slice(0, 5), []);
    assert.equal(seen.binade, 6, '2^-96, 2^87 and 2^90, each signed');
    assert.ok(seen.same > 0.99 * values.length, JSON.stringify(seen));
  });
});

/** The float32 neighbours' halfway points around x > 0: its rounding interval. */
function intervalOf(x: number): { readonly lo: number; readonly hi: number } {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, x);
  const bits = view.getUint32(0);
  view.setUint32(0, bits - 1);
  const below = view.getFloat32(0);
  view.setUint32(0, bits + 1);
  const above = view.getFloat32(0);
  const lo = (x + below) / 2;
  return { lo, hi: Number.isFinite(above) ? (x + above) / 2 : x + (x - lo) };
}

/**
 * (a) r rounds back to x, strictly inside its interval; (b) r has no more
 * digits than the reference and (c) is its value, except where the reference
 * is not what PostgreSQL prints: 'binade' (a power of two: a shorter decimal
 * above x), 'tie' (x lies exactly halfway between two decimals: to even),
 * 'bound' (the reference lies exactly halfway to a neighbour float32).
 */
function againstReference(x: number, r: number, ref: number): 'same' | 'binade' | 'tie' | 'bound' | 'wrong' {
  const a = Math.abs(x);
  const v = Math.abs(r);
  const { lo, hi } = intervalOf(a);
  if (Math.fround(r) !== x || Math.sign(r) !== Math.sign(x) || !(v > lo && v < hi) || digitsOf(r) > 9) return 'wrong';
  if (Object.is(r, ref)) return 'same';
  const refAbs = Math.abs(ref);
  if (refAbs === lo || refAbs === hi) return digitsOf(r) >= digitsOf(ref) ? 'bound' : 'wrong';
  const n = digitsOf(ref);
  const exact = a.toPrecision(100).replace(/e.*$/, '').replace('.', '').replace(/^0+/, '');
  const lastDigit = (y: number) => Number(Math.abs(y).toExponential(n - 1).replace(/e.*$/, '').slice(-1));
  const isTie = exact[n] === '5' && /^0*$/.test(exact.slice(n + 1));
  if (isTie && digitsOf(r) === n && lastDigit(r) % 2 === 0 && lastDigit(ref) % 2 === 1) return 'tie';
  return isPowerOfTwo(x) && digitsOf(r) < n && v > a ? 'binade' : 'wrong';
}

describe('shortestFloat32 against PostgreSQL real output @integration', () => {
  let t: TestDatabase;
  before(async () => {
    t = await createTestDatabase('float32_text', { migrated: false });
  });
  after(() => t?.drop());

  it('says what PostgreSQL says for a float4 (shortest round-trip, extra_float_digits 1)', async () => {
    const powers = Array.from({ length: 277 }, (_, i) => 2 ** (i - 149));
    const values = [...randomFloat32s(7, 20_000), ...powers, ...powers.map((x) => -x), ...cases.map(([, v]) => Math.fround(v))];
    // float8 → float4 is exact for a float32 value; pg sends each double as its shortest round-trip text.
    const rows = await t.db.query<{ t: string }>(
      'SELECT v::float4::text AS t FROM unnest($1::float8[]) WITH ORDINALITY AS u(v, i) ORDER BY i', [values],
    );
    assert.equal(rows.rows.length, values.length);
    const wrong = values.flatMap((x, i) => {
      const pgText = rows.rows[i]?.t ?? '';
      return Object.is(Number(pgText), shortestFloat32(x)) ? [] : [`${x}: PostgreSQL ${pgText}, ours ${shortestFloat32(x)}`];
    });
    assert.deepEqual(wrong.slice(0, 5), []);
  });
});
