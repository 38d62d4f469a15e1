/**
 * The smallest std a sensor's normal spread may be given: that of its own
 * resolution. A reading quantised in steps of q carries a rounding error
 * uniform on ±q/2, std q/√12 (the classical quantisation-noise model), so
 * no normal series of it is steadier than that. q is the smallest gap
 * between distinct values in the fit rows; gaps below the float precision
 * of the values are representation noise, not resolution.
 *
 * Why not a share of the mean (band-kinds.ts `scaleFloor`, 0.1 % of |mean|):
 * the mean's size says nothing about a sensor's noise. A thermocouple near
 * 25 °C was floored at 0.025 °C whatever it resolves (0.0001 °C on SKAB),
 * which made the detector deaf to its real, smaller spread. A sensor with a
 * single value in its fit rows shows no resolution: it keeps a tiny floor.
 */
export const CONSTANT_FLOOR = 1e-6;

export function resolutionFloor(values: readonly number[]): number {
  const sorted = [...new Set(values)].sort((a, b) => a - b);
  const magnitude = sorted.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const representable = 1e-12 * magnitude;
  let step = Number.POSITIVE_INFINITY;
  for (let i = 1; i < sorted.length; i++) {
    const gap = sorted[i]! - sorted[i - 1]!;
    if (gap > representable && gap < step) step = gap;
  }
  return Number.isFinite(step) ? step / Math.sqrt(12) : CONSTANT_FLOOR * Math.max(1, magnitude);
}
