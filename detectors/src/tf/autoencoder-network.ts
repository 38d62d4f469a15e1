import * as tf from '@tensorflow/tfjs';
import { fail, ok, type Result } from '@typedcluster/core';

/**
 * The two networks, kept small so training on two CPU cores with the wasm
 * or cpu backend takes seconds to minutes, not hours. Each input step is
 * the standardised sensor values plus the one-hot phase; the output is the
 * standardised sensor values again.
 *
 * - dense: one step → tanh hidden → tanh bottleneck → tanh hidden → linear.
 *   The tanh bottleneck bounds what the network can reproduce, so a value
 *   far outside the normal cloud reconstructs poorly.
 * - lstm: a window of `window` consecutive steps (one cycle's five phases by
 *   default) → LSTM encoder → repeated → LSTM decoder → dense per step.
 */
export type NetworkKind = 'dense' | 'lstm';

export interface NetworkConfig {
  readonly kind: NetworkKind;
  /** Steps per input: 1 for dense. */
  readonly window: number;
  readonly hidden: number;
  readonly bottleneck: number;
  readonly learningRate: number;
  readonly maxEpochs: number;
  readonly patience: number;
  readonly batchSize: number;
  readonly validationShare: number;
}

export const DEFAULT_NETWORKS: Readonly<Record<NetworkKind, NetworkConfig>> = {
  dense: { kind: 'dense', window: 1, hidden: 12, bottleneck: 3, learningRate: 0.01, maxEpochs: 60, patience: 5, batchSize: 64, validationShare: 0.15 },
  lstm: { kind: 'lstm', window: 5, hidden: 12, bottleneck: 6, learningRate: 0.01, maxEpochs: 30, patience: 4, batchSize: 64, validationShare: 0.15 },
};

export function buildNetwork(c: NetworkConfig, inputWidth: number, outputWidth: number, seed: number): tf.LayersModel {
  let n = 0;
  // Every initializer gets its own seed derived from one: same seed, same network.
  const init = () => tf.initializers.glorotUniform({ seed: seed * 101 + ++n });
  const model =
    c.kind === 'dense'
      ? tf.sequential({
          layers: [
            tf.layers.dense({ inputShape: [inputWidth], units: c.hidden, activation: 'tanh', kernelInitializer: init() }),
            tf.layers.dense({ units: c.bottleneck, activation: 'tanh', kernelInitializer: init() }),
            tf.layers.dense({ units: c.hidden, activation: 'tanh', kernelInitializer: init() }),
            tf.layers.dense({ units: outputWidth, kernelInitializer: init() }),
          ],
        })
      : tf.sequential({
          layers: [
            tf.layers.lstm({ inputShape: [c.window, inputWidth], units: c.bottleneck, kernelInitializer: init(), recurrentInitializer: init() }),
            tf.layers.repeatVector({ n: c.window }),
            tf.layers.lstm({ units: c.hidden, returnSequences: true, kernelInitializer: init(), recurrentInitializer: init() }),
            tf.layers.timeDistributed({ layer: tf.layers.dense({ units: outputWidth, kernelInitializer: init() }) }),
          ],
        });
  model.compile({ optimizer: tf.train.adam(c.learningRate), loss: 'meanSquaredError' });
  return model;
}

/** Validates a config read back from an artefact. */
export function parseNetworkConfig(x: unknown, kind: NetworkKind): Result<NetworkConfig> {
  const c = x as Partial<NetworkConfig> | undefined;
  const posInt = (v: unknown, max: number) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= max;
  if (!c || c.kind !== kind) return fail('DETECTOR_ARTEFACT_CORRUPT', `network config is not a ${kind} network`, 'params.network');
  if (!posInt(c.window, 1000) || (kind === 'dense' && c.window !== 1)) return fail('DETECTOR_ARTEFACT_CORRUPT', 'network window is invalid', 'params.network.window');
  if (!posInt(c.hidden, 4096) || !posInt(c.bottleneck, 4096)) return fail('DETECTOR_ARTEFACT_CORRUPT', 'network sizes are invalid', 'params.network');
  return ok({ ...DEFAULT_NETWORKS[kind], ...c } as NetworkConfig);
}

/** Reconstruction of the last step of each window, standardised: number[N][outputWidth]. */
export function reconstructLast(model: tf.LayersModel, c: NetworkConfig, windows: readonly number[][][]): number[][] {
  if (windows.length === 0) return [];
  return tf.tidy(() => {
    const x = c.kind === 'dense' ? tf.tensor2d(windows.map((w) => w[0]!)) : tf.tensor3d(windows as number[][][]);
    const y = model.predict(x, { batchSize: 1024 }) as tf.Tensor;
    const last = c.kind === 'dense' ? y : y.slice([0, c.window - 1, 0], [-1, 1, -1]).squeeze([1]);
    return last.arraySync() as number[][];
  });
}

/** Training tensors: inputs as the network wants them, targets = the sensor part of every step. */
export function trainingTensors(c: NetworkConfig, windows: readonly number[][][], outputWidth: number): { x: tf.Tensor; y: tf.Tensor } {
  if (c.kind === 'dense') {
    const rows = windows.map((w) => w[0]!);
    return { x: tf.tensor2d(rows), y: tf.tensor2d(rows.map((r) => r.slice(0, outputWidth))) };
  }
  return { x: tf.tensor3d(windows as number[][][]), y: tf.tensor3d(windows.map((w) => w.map((step) => step.slice(0, outputWidth)))) };
}
