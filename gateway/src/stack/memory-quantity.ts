const UNITS: Record<string, number> = {
  '': 1,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** The smallest heap a function process reliably starts with (tsx + bootstrap). */
export const MIN_MEMORY_MIB = 32;

/**
 * A Kubernetes memory quantity (`128Mi`, `1Gi`, `500M`, bytes) in whole
 * MiB, rounded up; undefined when it is not one.
 */
export function memoryToMiB(quantity: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([KMGT]i?)?$/.exec(quantity.trim());
  if (!m) return undefined;
  const bytes = Number(m[1]) * (UNITS[m[2] ?? ''] ?? NaN);
  if (!Number.isFinite(bytes) || bytes <= 0) return undefined;
  return Math.ceil(bytes / 2 ** 20);
}
