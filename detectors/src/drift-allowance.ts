/**
 * How fast each feature wanders on its own, learned from normal streams:
 * the slope κ of the variogram γ(h) = ½·E[(x[t+h] − x[t])²] over lags
 * h = 1..H (H = a quarter of the shortest usable stream), fitted by least
 * squares as γ(h) ≈ a + κ·h and clipped at 0. For white noise γ is flat
 * (κ = 0); for a random walk it grows linearly, Var(x[t+h] − x[t]) = 2κh.
 *
 * Why: a pump's temperatures drift for the whole of a SKAB file, far
 * beyond the spread of its first 400 rows (7 minutes), while its flow and
 * pressure do not. Allowing each feature a variance that grows with time
 * at ITS OWN rate keeps the wandering sensors from raising alarms without
 * deafening the steady ones. Nothing here is set per data set.
 */
export function driftRates(streams: readonly (readonly (readonly number[])[])[], width: number): number[] {
  const usable = streams.filter((s) => s.length >= 8);
  if (usable.length === 0) return new Array<number>(width).fill(0);
  const lags = Math.max(2, Math.floor(Math.min(...usable.map((s) => s.length)) / 4));
  return Array.from({ length: width }, (_, j) => {
    const gamma: number[] = [];
    for (let h = 1; h <= lags; h++) {
      let sum = 0;
      let pairs = 0;
      for (const s of usable) {
        for (let i = h; i < s.length; i++) sum += (s[i]![j]! - s[i - h]![j]!) ** 2;
        pairs += s.length - h;
      }
      gamma.push(sum / (2 * pairs));
    }
    const hMean = (lags + 1) / 2;
    const gMean = gamma.reduce((a, b) => a + b, 0) / lags;
    let num = 0;
    let den = 0;
    gamma.forEach((g, i) => {
      num += (i + 1 - hMean) * (g - gMean);
      den += (i + 1 - hMean) ** 2;
    });
    return Math.max(0, num / den);
  });
}

/** Ledoit–Wolf shrinkage of the covariance of centred rows towards μ·I (μ = mean variance): well-conditioned with few rows. */
export function ledoitWolfCovariance(centred: readonly (readonly number[])[]): { covariance: number[][]; shrinkage: number } {
  const n = centred.length;
  const d = centred[0]?.length ?? 0;
  const s = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (const x of centred) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) s[i]![j]! += (x[i]! * x[j]!) / n;
  const mu = s.reduce((a, r, i) => a + r[i]!, 0) / d;
  let dist = 0;
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) dist += (s[i]![j]! - (i === j ? mu : 0)) ** 2;
  let spread = 0;
  for (const x of centred) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) spread += (x[i]! * x[j]! - s[i]![j]!) ** 2;
  spread /= n * n;
  const shrinkage = dist > 0 ? Math.min(1, spread / dist) : 1;
  return { covariance: s.map((r, i) => r.map((v, j) => (1 - shrinkage) * v + (i === j ? shrinkage * mu : 0))), shrinkage };
}
