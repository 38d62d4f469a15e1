import { createPrng, fail, ok } from '@typedcluster/core';
import type { Prng, Result } from '@typedcluster/core';
import { isFiniteNumber } from './artefact.js';
import type { Detector } from './detector.js';
import { createScaledDetector, restoreScaledDetector } from './scaled-detector.js';
import type { ScaledKind } from './scaled-detector.js';

/**
 * isolation-forest (Liu, Ting, Zhou 2008) on standardised features, seeded:
 * 100 trees on sub-samples of 256, score 2^(−E[h]/c(256)), the paper's
 * defaults. Explanation by occlusion: a feature's contribution is how much
 * the score drops when that feature alone is set back to its group's mean.
 */
export const TREES = 100;
export const SUBSAMPLE = 256;

/** Flat tree: internal node = [feature, split, left, right]; leaf = [-1, size, 0, 0]. */
type Tree = number[][];

interface ForestModel {
  readonly trees: readonly Tree[];
  readonly subsample: number;
}

/** Average path length of an unsuccessful BST search among n points, c(n). */
export const averagePath = (n: number): number => (n > 2 ? 2 * (Math.log(n - 1) + 0.5772156649) - (2 * (n - 1)) / n : n === 2 ? 1 : 0);

function growTree(rows: readonly (readonly number[])[], random: Prng, maxDepth: number): Tree {
  const nodes: number[][] = [];
  const grow = (idx: readonly number[], depth: number): number => {
    const at = nodes.length;
    nodes.push([-1, idx.length, 0, 0]);
    if (depth >= maxDepth || idx.length <= 1) return at;
    const d = rows[0]!.length;
    // children always sit after their parent, so a loaded tree cannot loop (fromJson checks it)
    // pick a feature that still varies here; give up (leaf) if none does
    const order = Array.from({ length: d }, (_, i) => i);
    for (let i = d - 1; i > 0; i--) {
      const j = random.int(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const f of order) {
      let lo = Infinity;
      let hi = -Infinity;
      for (const i of idx) {
        const v = rows[i]![f]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (hi <= lo) continue;
      const split = random.uniform(lo, hi);
      const left = idx.filter((i) => rows[i]![f]! < split);
      const right = idx.filter((i) => rows[i]![f]! >= split);
      const l = grow(left, depth + 1);
      const r = grow(right, depth + 1);
      nodes[at] = [f, split, l, r];
      return at;
    }
    return at;
  };
  grow(
    rows.map((_, i) => i),
    0,
  );
  return nodes;
}

export function isolationForestKind(seed = 1): ScaledKind<ForestModel> {
  return {
    name: 'isolation-forest',
    formatVersion: 1,
    rule: { percentile: 99.5, margin: 0.1 },
    fitModel(rows, options) {
      const random = createPrng(options.seed ?? seed);
      const psi = Math.min(SUBSAMPLE, rows.length);
      const maxDepth = Math.ceil(Math.log2(Math.max(2, psi)));
      const trees: Tree[] = [];
      for (let t = 0; t < TREES; t++) {
        const sample = Array.from({ length: psi }, () => rows[random.int(rows.length)]!);
        trees.push(growTree(sample, random, maxDepth));
        if (t % 10 === 9) options.onProgress?.((t + 1) / TREES, 'trees');
      }
      return { trees, subsample: psi };
    },
    stepper(m) {
      const c = averagePath(m.subsample) || 1;
      const scoreOf = (z: readonly number[]): number => {
        let total = 0;
        for (const tree of m.trees) {
          let at = 0;
          let depth = 0;
          for (;;) {
            const node = tree[at]!;
            const f = node[0]!;
            if (f < 0) {
              total += depth + averagePath(node[1]!);
              break;
            }
            at = z[f]! < node[1]! ? node[2]! : node[3]!;
            depth++;
          }
        }
        return 2 ** (-(total / m.trees.length) / c);
      };
      return (z) => {
        const score = scoreOf(z);
        // occlusion: how much the score drops when this feature is put back at its group mean
        const contributions = z.map((_, j) => Math.max(0, score - scoreOf(z.map((x, i) => (i === j ? 0 : x)))));
        return { score, contributions };
      };
    },
    toJson: (m) => m,
    fromJson(x, width): Result<ForestModel> {
      const p = x as { trees?: unknown; subsample?: unknown } | null;
      const nodeOk = (n: unknown, size: number, at: number): boolean => {
        if (!Array.isArray(n) || n.length !== 4 || !n.every(isFiniteNumber)) return false;
        const [f, , l, r] = n as [number, number, number, number];
        return f === -1 || (Number.isInteger(f) && f >= 0 && f < width && l > at && l < size && r > at && r < size);
      };
      if (!p || !isFiniteNumber(p.subsample) || !Array.isArray(p.trees) || p.trees.length === 0 || !p.trees.every((t) => Array.isArray(t) && t.length > 0 && t.every((n, i) => nodeOk(n, t.length, i)))) {
        return fail('DETECTOR_ARTEFACT_CORRUPT', `isolation-forest: trees must be lists of [feature < ${width}, split, left, right] nodes`, 'params.model');
      }
      return ok(p as ForestModel);
    },
    metrics: (m) => ({ trees: m.trees.length, subsample: m.subsample }),
  };
}

export const createIsolationForestDetector = (seed = 1): Detector => createScaledDetector(isolationForestKind(seed));
export const restoreIsolationForestDetector = (a: unknown): Result<Detector> => restoreScaledDetector(isolationForestKind(), a);
