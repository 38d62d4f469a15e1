import * as tf from '@tensorflow/tfjs';
import { createPrng } from '@typedcluster/core';

/**
 * The training loop both autoencoders share: a seeded split into training
 * and validation rows, a seeded shuffle each epoch (tfjs's own shuffle uses
 * Math.random, which would make two runs with one seed differ), and early
 * stopping on validation loss that restores the best epoch's weights.
 */
export interface TrainOptions {
  readonly maxEpochs: number;
  /** Epochs without a better validation loss before stopping. */
  readonly patience: number;
  readonly batchSize: number;
  /** Share of rows held out for validation (not the calibration data: that is held back before). */
  readonly validationShare: number;
  readonly seed: number;
  /** After each epoch, for progress bars: epoch is 1-based. */
  readonly onEpoch?: (epoch: number, maxEpochs: number, loss: number, valLoss: number) => void;
}

export interface TrainHistory {
  readonly epochs: number;
  readonly bestEpoch: number;
  readonly loss: number;
  readonly valLoss: number;
  readonly stoppedEarly: boolean;
  /** Rows trained on per epoch (without the validation rows). */
  readonly trainRows: number;
  readonly seconds: number;
}

export async function trainWithEarlyStopping(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor, o: TrainOptions, now: () => number = Date.now): Promise<TrainHistory> {
  const rows = x.shape[0]!;
  const prng = createPrng(o.seed);
  const order = permutation(rows, prng.int);
  const nVal = rows >= 10 ? Math.max(1, Math.floor(rows * o.validationShare)) : 0;
  const valIdx = tf.tensor1d(order.slice(0, nVal), 'int32');
  const trainOrder = order.slice(nVal);
  const xVal = nVal > 0 ? tf.gather(x, valIdx) : x;
  const yVal = nVal > 0 ? tf.gather(y, valIdx) : y;
  valIdx.dispose();

  const started = now();
  let best = { valLoss: Number.POSITIVE_INFINITY, epoch: 0, loss: Number.NaN, weights: [] as tf.Tensor[] };
  let epoch = 0;
  let lastLoss = Number.NaN;
  let lastVal = Number.NaN;
  try {
    for (epoch = 1; epoch <= o.maxEpochs; epoch++) {
      const idx = tf.tensor1d(shuffle(trainOrder, prng.int), 'int32');
      const [xe, ye] = [tf.gather(x, idx), tf.gather(y, idx)];
      idx.dispose();
      const h = await model.fit(xe, ye, { epochs: 1, batchSize: o.batchSize, shuffle: false, verbose: 0 });
      xe.dispose();
      ye.dispose();
      lastLoss = Number(h.history['loss']?.[0] ?? Number.NaN);
      const ev = model.evaluate(xVal, yVal, { batchSize: 1024 }) as tf.Scalar;
      lastVal = (await ev.data())[0]!;
      ev.dispose();
      o.onEpoch?.(epoch, o.maxEpochs, lastLoss, lastVal);
      if (!Number.isFinite(lastVal)) break;
      if (lastVal < best.valLoss) {
        best.weights.forEach((w) => w.dispose());
        best = { valLoss: lastVal, epoch, loss: lastLoss, weights: model.getWeights().map((w) => w.clone()) };
      } else if (epoch - best.epoch >= o.patience) {
        break;
      }
    }
    if (best.weights.length > 0) model.setWeights(best.weights);
  } finally {
    best.weights.forEach((w) => w.dispose());
    if (nVal > 0) {
      xVal.dispose();
      yVal.dispose();
    }
  }
  const epochs = Math.min(epoch, o.maxEpochs);
  return {
    epochs,
    bestEpoch: best.epoch,
    loss: best.epoch > 0 ? best.loss : lastLoss,
    valLoss: best.epoch > 0 ? best.valLoss : lastVal,
    stoppedEarly: epochs < o.maxEpochs,
    trainRows: trainOrder.length,
    seconds: (now() - started) / 1000,
  };
}

function permutation(n: number, int: (n: number) => number): number[] {
  return shuffle(Array.from({ length: n }, (_, i) => i), int);
}

/** Fisher–Yates with the seeded generator; returns a new array. */
function shuffle(xs: readonly number[], int: (n: number) => number): number[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = int(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}
