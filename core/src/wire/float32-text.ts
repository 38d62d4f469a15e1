/**
 * The shortest decimal of a float32 sensor value, for the text stage.
 *
 * Values are IEEE binary32 on the wire (wire-format §1.1); getFloat32 widens
 * them to a double, which JSON.stringify prints in full (23.4 arrives as
 * 23.399999618530273). `shortestFloat32` returns instead the double nearest
 * to the decimal PostgreSQL's `real` output prints (Ryu, shortest mode): the
 * fewest significant digits (at most 9) that lie strictly inside x's
 * rounding interval, and of those the nearest to x, ties to even.
 *
 * For a digit count p it takes the p-digit decimals either side of x, the
 * nearer first, and keeps the first strictly inside the interval; the
 * smallest p that has one is found by bisection over 1..9. Strictly:
 * a decimal exactly halfway between two float32s reads back as x only by a
 * parser's tie-break, so, like PostgreSQL, it is not taken. At a power of
 * two the interval is narrower below than above, so the decimal above can be
 * inside when the nearer one below is not (2^87: 1.5474251e+26).
 *
 * The common case avoids strings and BigInt: scale |x| by an exact power of
 * ten (10^0..10^22 are exact doubles), round, scale back. Scaling back is
 * ONE correctly rounded operation on exact operands, so the result is the
 * double that parsing the digits gives; and comparing that double with the
 * interval's ends (exact doubles) decides, unless it equals one. Where that
 * is not sure (scales beyond 10^±22, i.e. |x| below about 1e-14 or above
 * about 1e22, subnormals included; a scaled value within 1e-6 of a rounding
 * tie when the scaling was inexact; a candidate on an end) that p is decided
 * with exact BigInt arithmetic instead.
 */

// 10^k for k = 0..22: every one is an exact double.
const EXACT_POW10: readonly number[] = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

// Nearest doubles to 10^e for e = MIN_E..MAX_E, to find a float32's decimal
// exponent exactly: no float32 lies strictly between 10^e and its nearest
// double (it would be a nearer double), so comparing with the double is
// comparing with 10^e.
const MIN_E = -46;
const MAX_E = 39;
const POW10: readonly number[] = Array.from({ length: MAX_E - MIN_E + 1 }, (_, i) => Number(`1e${i + MIN_E}`));
const pow10 = (e: number): number => POW10[e - MIN_E] ?? Number(`1e${e}`);

// Up to 10^12 the product |x| × 10^s is exact: 24 significant bits of a
// float32 times 5^s (< 2^28) times 2^s fit a double's 53.
const MAX_EXACT_SCALE = 12;
// Scaled values are below 10^9 < 2^30, so an inexact product or quotient is
// off by at most 2^-23 from the exact one: 1e-6 keeps clear of any tie it hides.
const TIE_MARGIN = 1e-6;

// The float32 bits of a value, for its binade and exact significand.
const F32 = new Float32Array(1);
const BITS = new Uint32Array(F32.buffer);

// Per float32 exponent field (0 = subnormal): half the spacing of its values,
// and for normal binades floor(log10) of the binade's start with the next
// power of ten, so a value's decimal exponent is one comparison away
// (a binade spans 0.3 decades: it holds at most one power of ten).
const HALF_ULP = Float64Array.from({ length: 256 }, (_, f) => 2 ** (Math.max(f, 1) - 151));
const DEC_EXP = Int32Array.from({ length: 256 }, (_, f) => (f === 0 || f === 255 ? 0 : decimalExponent(2 ** (f - 127))));
const NEXT_POW10 = Float64Array.from(DEC_EXP, (e, f) => (f === 0 || f === 255 ? Infinity : pow10(e + 1)));

/** Returned by a step that cannot decide p alone. */
const UNSURE = -1;
/** Returned by a step when no p-digit decimal is inside the interval. */
const NONE = 0;

/**
 * The double nearest to the shortest decimal that rounds to the float32 `x`
 * (JSON.stringify then prints that decimal), the decimal PostgreSQL prints
 * for the same `real`. `x` must be a float32 value (Math.fround(x) === x);
 * any other number is returned unchanged, as are NaN, ±Infinity, 0 and -0
 * (-0 stays -0; JSON prints it as 0).
 */
export function shortestFloat32(x: number): number {
  if (x === 0 || !Number.isFinite(x) || Math.fround(x) !== x) return x;
  const a = Math.abs(x);
  F32[0] = a;
  const bits = BITS[0]!;
  const field = bits >>> 23;
  // The interval's ends, halfway to each float32 neighbour: exact doubles.
  // A power of two (not the smallest normal) has its lower neighbour half as far.
  const half = HALF_ULP[field]!;
  const lo = (bits & 0x7fffff) === 0 && field >= 2 ? a - half / 2 : a - half;
  const hi = a + half;
  const e = field === 0 ? decimalExponent(a) : a >= NEXT_POW10[field]! ? DEC_EXP[field]! + 1 : DEC_EXP[field]!;
  // Some p-digit decimal is inside ⇒ some (p+1)-digit one is (the same, or a
  // nearer one on the same side): so search p in 1..9 by halves, 3-4 steps.
  let low = 1;
  let high = 9;
  let found = NONE;
  let foundAt = 0;
  while (low < high) {
    const p = (low + high) >> 1;
    const v = step(a, bits, p - 1 - e, lo, hi);
    if (v === NONE) low = p + 1;
    else {
      found = v;
      foundAt = p;
      high = p;
    }
  }
  if (foundAt !== high) found = step(a, bits, high - 1 - e, lo, hi);
  // 9 significant digits always identify a float32, so found is never NONE here.
  return x < 0 ? -found : found;
}

function step(a: number, bits: number, s: number, lo: number, hi: number): number {
  const v = fastStep(a, s, lo, hi);
  return v === UNSURE ? exactStep(bits, s) : v;
}

/** floor(log10(a)), exactly, for a finite a > 0. */
function decimalExponent(a: number): number {
  let e = Math.floor(Math.log10(a));
  if (a < pow10(e)) e--;
  else if (a >= pow10(e + 1)) e++;
  return e;
}

/** One digit count, in doubles: the decimal n × 10^-s inside (lo, hi), NONE, or UNSURE. */
function fastStep(a: number, s: number, lo: number, hi: number): number {
  if (s > 22 || s < -22) return UNSURE;
  const up = s >= 0;
  const scale = EXACT_POW10[up ? s : -s]!;
  const y = up ? a * scale : a / scale;
  const f = Math.floor(y);
  const frac = y - f;
  const exact = up && s <= MAX_EXACT_SCALE;
  if (!exact && Math.abs(frac - 0.5) < TIE_MARGIN) return UNSURE;
  const nearest = frac > 0.5 || (frac === 0.5 && f % 2 === 1) ? f + 1 : f;
  const v = up ? nearest / scale : nearest * scale;
  if (v > lo && v < hi) return v;
  if (v === lo || v === hi) return UNSURE;
  const other = nearest === f ? f + 1 : f;
  const w = up ? other / scale : other * scale;
  if (w > lo && w < hi) return w;
  return w === lo || w === hi ? UNSURE : NONE;
}

/**
 * One digit count, exactly: x = M × 2^E, scaled by 10^s to y = M × N / D,
 * and the interval's ends (M ∓ 1/2) × N / D, or (M − 1/4) × N / D below a
 * power of two whose lower neighbour is half as far.
 */
function exactStep(bits: number, s: number): number {
  const field = bits >>> 23;
  const fraction = bits & 0x7fffff;
  const m = BigInt(field === 0 ? fraction : fraction | 0x800000);
  const e2 = (field === 0 ? 1 : field) - 150;
  const num = (e2 > 0 ? 2n ** BigInt(e2) : 1n) * (s > 0 ? 10n ** BigInt(s) : 1n);
  const den = (e2 < 0 ? 2n ** BigInt(-e2) : 1n) * (s < 0 ? 10n ** BigInt(-s) : 1n);
  const f = (m * num) / den;
  const twiceRest = 2n * ((m * num) % den);
  const nearest = twiceRest > den || (twiceRest === den && f % 2n === 1n) ? f + 1n : f;
  const other = nearest === f ? f + 1n : f;
  const narrowBelow = fraction === 0 && field >= 2;
  // n inside ⇔ (4M − 2, or 4M − 1) × N < 4nD < (4M + 2) × N
  const low = (4n * m - (narrowBelow ? 1n : 2n)) * num;
  const high = (4n * m + 2n) * num;
  for (const n of [nearest, other]) {
    const scaled = 4n * n * den;
    if (scaled > low && scaled < high) return Number(`${n}e${-s}`);
  }
  return NONE;
}
