import type * as tf from '@tensorflow/tfjs';
import { StartupError, fail, ok, type Result } from '@typedcluster/core';
import { checkArtefact, isFiniteNumber } from '../artefact.js';
import { calibrateThreshold } from '../calibrate-threshold.js';
import type { Detector, DetectorArtefact, FeatureFinding, FitOptions, FitReport, ScoreResult, Stream, StreamScorer } from '../detector.js';
import { fitGroupScaler, scalerFromJson, scalerToJson, type GroupScaler } from '../group-scaler.js';
import { makeScore, splitForCalibration, usableSamples } from '../score-support.js';
import { DEFAULT_NETWORKS, buildNetwork, parseNetworkConfig, reconstructLast, trainingTensors, type NetworkConfig, type NetworkKind } from './autoencoder-network.js';
import { StepWindow, isStepInput, type StepInput } from './step-window.js';
import { useTfBackend } from './tf-backend.js';
import { trainWithEarlyStopping } from './train-with-early-stopping.js';
import { decodeWeightsInto, encodeWeights } from './weights-codec.js';

/**
 * dense-autoencoder and lstm-autoencoder (docs/detectors.md): fitted on
 * normal data only, standardised per phase and sensor; the score is the
 * mean squared reconstruction error of the sample in standardised units,
 * each sensor's squared error its share of the explanation, the
 * reconstruction its expected value. The threshold is calibrated on the
 * held-back tail of each normal stream (calibrate-threshold.ts).
 *
 * Call `useTfBackend()` before restoring a saved one: restoring is
 * synchronous, like every detector's, and builds the network on the
 * backend current at that moment.
 */
export const AUTOENCODER_NAMES: Readonly<Record<NetworkKind, string>> = { dense: 'dense-autoencoder', lstm: 'lstm-autoencoder' };
const FORMAT_VERSION = 1;
/** Fewer training windows than this cannot give a network and a validation split. */
const MIN_TRAINING_ROWS = 20;

interface Fitted {
  readonly features: readonly string[];
  readonly scaler: GroupScaler;
  readonly groups: readonly number[];
  readonly threshold: number;
  readonly model: tf.LayersModel;
}

export interface AutoencoderOptions {
  readonly seed?: number;
  /** Overrides of the network's defaults (sizes, epochs, patience…). */
  readonly network?: Partial<Omit<NetworkConfig, 'kind'>>;
}

export function createAutoencoder(kind: NetworkKind, options: AutoencoderOptions = {}): Detector {
  return new Autoencoder(kind, { ...DEFAULT_NETWORKS[kind], ...options.network, kind }, options.seed ?? 1);
}

class Autoencoder implements Detector {
  readonly name: string;
  private state: Fitted | undefined;

  constructor(
    private readonly kind: NetworkKind,
    private readonly config: NetworkConfig,
    private seed: number,
    restored?: Fitted,
  ) {
    this.name = AUTOENCODER_NAMES[kind];
    this.state = restored;
  }

  get fitted(): boolean {
    return this.state !== undefined;
  }

  async fit(streams: readonly Stream[], options: FitOptions): Promise<FitReport> {
    await useTfBackend();
    if (options.seed !== undefined) this.seed = options.seed;
    const features = options.features;
    // Split per stream, so windows never span two PLCs or files.
    const parts = streams.map((s) => splitForCalibration([s], options.calibrationShare));
    const fitSamples = usableSamples(parts.flatMap((p) => p.fit), features);
    const scaler = fitGroupScaler(fitSamples, features.length);
    const groups = [...scaler.groups.keys()].sort((a, b) => a - b);
    const windows = parts.flatMap((p) => inputsOf(scaler, groups, features, this.config.window, p.fit)).map((i) => i.window);
    if (windows.length < MIN_TRAINING_ROWS) {
      throw new StartupError('DETECTOR_FIT_FAILED', `${this.name}: ${windows.length} usable normal samples to train on, need ${MIN_TRAINING_ROWS}`, 'give it more normal data');
    }
    this.state?.model.dispose();
    const model = buildNetwork(this.config, features.length + groups.length, features.length, this.seed);
    const { x, y } = trainingTensors(this.config, windows, features.length);
    let history;
    try {
      history = await trainWithEarlyStopping(model, x, y, {
        ...this.config,
        seed: this.seed,
        onEpoch: (epoch, max, loss, valLoss) => options.onProgress?.(epoch / max, `epoch ${epoch}/${max} loss ${loss.toFixed(4)} val ${valLoss.toFixed(4)}`),
      });
    } finally {
      x.dispose();
      y.dispose();
    }
    const draft: Fitted = { features, scaler, groups, threshold: Number.POSITIVE_INFINITY, model };
    const scores = parts.flatMap((p) => p.calibration.flatMap((s) => scoreStream(draft, this.config, s)));
    const finite = scores.flatMap((r) => ('unusable' in r ? [] : [r.score]));
    const rule = options.thresholdPercentile === undefined ? {} : { percentile: options.thresholdPercentile };
    this.state = { ...draft, threshold: calibrateThreshold(finite, rule) };
    options.onProgress?.(1, 'calibrated');
    return {
      samples: windows.length,
      threshold: this.state.threshold,
      metrics: {
        epochs: history.epochs,
        best_epoch: history.bestEpoch,
        loss: history.loss,
        val_loss: history.valLoss,
        stopped_early: history.stoppedEarly ? 1 : 0,
        train_rows: history.trainRows,
        train_seconds: history.seconds,
        samples_per_second: history.seconds > 0 ? (history.trainRows * history.epochs) / history.seconds : 0,
        calibration_samples: finite.length,
      },
    };
  }

  scorer(): StreamScorer {
    const s = this.state;
    if (!s) throw new Error(`${this.name}: scorer() before fit() or load`);
    const window = new StepWindow(s.scaler, s.groups, s.features, this.config.window);
    return {
      score: (sample) => {
        const input = window.push(sample);
        if (!isStepInput(input)) return input;
        return scoreInputs(s, this.config, [input])[0]!;
      },
    };
  }

  save(): DetectorArtefact {
    const s = this.state;
    if (!s) throw new Error(`${this.name}: save() before fit()`);
    const { bytes, manifest } = encodeWeights(s.model);
    return {
      detector: this.name,
      formatVersion: FORMAT_VERSION,
      features: s.features,
      params: { network: this.config, seed: this.seed, groups: s.groups, scaler: scalerToJson(s.scaler), threshold: s.threshold, weights: manifest },
      weights: bytes,
    };
  }

  static restore(kind: NetworkKind, artefact: unknown): Result<Detector> {
    const name = AUTOENCODER_NAMES[kind];
    const a = checkArtefact(artefact, name, FORMAT_VERSION);
    if (!a.ok) return a;
    const p = a.value.params as Record<string, unknown>;
    const features = a.value.features;
    const config = parseNetworkConfig(p['network'], kind);
    if (!config.ok) return config;
    const scaler = scalerFromJson(p['scaler'], features.length);
    if (!scaler.ok) return scaler;
    const groups = p['groups'];
    if (!Array.isArray(groups) || groups.length === 0 || !groups.every((g) => scaler.value.groups.has(g as number))) {
      return fail('DETECTOR_ARTEFACT_CORRUPT', `${name}: groups must list the scaler's groups`, 'params.groups');
    }
    if (!isFiniteNumber(p['threshold']) || p['threshold'] <= 0) return fail('DETECTOR_ARTEFACT_CORRUPT', `${name}: threshold must be a positive number`, 'params.threshold');
    const seed = isFiniteNumber(p['seed']) ? p['seed'] : 1;
    const model = buildNetwork(config.value, features.length + groups.length, features.length, seed);
    const loaded = decodeWeightsInto(model, a.value.weights, p['weights']);
    if (!loaded.ok) {
      model.dispose();
      return loaded;
    }
    const fitted: Fitted = { features, scaler: scaler.value, groups: groups as number[], threshold: p['threshold'], model };
    return ok(new Autoencoder(kind, config.value, seed, fitted));
  }
}

export const restoreAutoencoder = (kind: NetworkKind, artefact: unknown): Result<Detector> => Autoencoder.restore(kind, artefact);

function inputsOf(scaler: GroupScaler, groups: readonly number[], features: readonly string[], size: number, stream: Stream): StepInput[] {
  const w = new StepWindow(scaler, groups, features, size);
  return stream.map((s) => w.push(s)).filter(isStepInput);
}

/** Scores a whole stream in one batch (calibration): same windows as the streaming scorer. */
function scoreStream(s: Fitted, config: NetworkConfig, stream: Stream): ScoreResult[] {
  const w = new StepWindow(s.scaler, s.groups, s.features, config.window);
  const inputs = stream.map((x) => w.push(x));
  const usable = inputs.filter(isStepInput);
  const scored = scoreInputs(s, config, usable);
  let i = 0;
  return inputs.map((r) => (isStepInput(r) ? scored[i++]! : r));
}

function scoreInputs(s: Fitted, config: NetworkConfig, inputs: readonly StepInput[]): ScoreResult[] {
  const recon = reconstructLast(s.model, config, inputs.map((i) => i.window));
  return inputs.map((input, n) => {
    const zHat = recon[n]!;
    const { mean, std } = s.scaler.groups.get(input.group)!;
    const errors = input.z.map((z, f) => (z - zHat[f]!) ** 2);
    const score = errors.reduce((a, b) => a + b, 0) / errors.length;
    // A value is outside its range when its own squared error exceeds the
    // threshold: the range is the reconstruction ± √threshold standard deviations.
    const halfWidth = Number.isFinite(s.threshold) ? Math.sqrt(s.threshold) : Number.POSITIVE_INFINITY;
    const findings: FeatureFinding[] = errors.map((e, f) => {
      const expected = zHat[f]! * std[f]! + mean[f]!;
      return {
        index: f,
        value: input.values[f]!,
        expected,
        range: [expected - halfWidth * std[f]!, expected + halfWidth * std[f]!],
        contribution: e / errors.length,
      };
    });
    return makeScore(score, s.threshold, findings);
  });
}
