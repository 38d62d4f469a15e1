/**
 * Which of `n` points to keep so that at most `cap` remain, min/max per
 * bucket: a spike (an anomaly) survives decimation, unlike averaging or
 * taking every k-th point. The last point is always kept, so live points
 * continue the line. Returns ascending indices. `value(i)` may be null
 * (a gap), which is never a bucket's min or max.
 */
export function decimateMinMax(n: number, cap: number, value: (i: number) => number | null): number[] {
  if (n <= cap) return Array.from({ length: n }, (_, i) => i);
  if (cap < 3) return cap <= 0 ? [] : cap === 1 ? [n - 1] : [0, n - 1];
  const buckets = Math.floor((cap - 1) / 2);
  const keep: number[] = [];
  const body = n - 1; // the last point is kept apart
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * body) / buckets);
    const to = Math.floor(((b + 1) * body) / buckets);
    let min = -1;
    let max = -1;
    for (let i = from; i < to; i++) {
      const v = value(i);
      if (v === null || Number.isNaN(v)) continue;
      if (min < 0 || v < (value(min) as number)) min = i;
      if (max < 0 || v > (value(max) as number)) max = i;
    }
    if (min < 0) keep.push(from);
    else if (min === max) keep.push(min);
    else keep.push(Math.min(min, max), Math.max(min, max));
  }
  keep.push(n - 1);
  return keep;
}

/** Picks the same indices from every column of a chunk. */
export function pick<T>(values: readonly T[], indices: readonly number[]): T[] {
  return indices.map((i) => values[i] as T);
}
