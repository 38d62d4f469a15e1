import type { Sample, Unusable } from '../detector.js';
import { standardise, type GroupScaler } from '../group-scaler.js';
import { checkSample, unusable } from '../score-support.js';

/**
 * Turns a stream of samples into network inputs: each step is the sample
 * standardised with its phase's statistics, followed by the one-hot phase.
 * A window holds the last `window` steps; before a stream has that many,
 * and where a sample was unusable, the step is all zeros ("no data"; the
 * network is trained on such padded windows too, so they are normal).
 */
export interface StepInput {
  /** window × (features + groups) */
  readonly window: number[][];
  /** The standardised values of the newest step (the one being scored). */
  readonly z: number[];
  /** The newest sample's raw values and group, for the explanation. */
  readonly values: readonly number[];
  readonly group: number;
}

export const isStepInput = (r: StepInput | Unusable): r is StepInput => !('unusable' in r);

export class StepWindow {
  private readonly history: number[][];

  constructor(
    private readonly scaler: GroupScaler,
    private readonly groups: readonly number[],
    private readonly features: readonly string[],
    private readonly size: number,
  ) {
    this.history = Array.from({ length: size - 1 }, () => this.padding());
  }

  /** Adds the sample to the window; an unusable sample leaves a padding step and is answered Unusable. */
  push(sample: Sample): StepInput | Unusable {
    const bad = checkSample(sample, this.features);
    if (bad) return this.gap(bad);
    const z = standardise(this.scaler, sample);
    if (!z || !this.groups.includes(sample.group)) {
      return this.gap(unusable('DETECTOR_UNKNOWN_GROUP', `group (phase) ${sample.group} was not in the training data (${this.groups.join(', ')})`));
    }
    const step = [...z, ...this.groups.map((g) => (g === sample.group ? 1 : 0))];
    const window = [...this.history, step];
    this.advance(step);
    return { window, z, values: sample.values as number[], group: sample.group };
  }

  private gap(u: Unusable): Unusable {
    this.advance(this.padding());
    return u;
  }

  private advance(step: number[]): void {
    if (this.size <= 1) return;
    this.history.push(step);
    this.history.shift();
  }

  private padding(): number[] {
    return new Array<number>(this.features.length + this.groups.length).fill(0);
  }
}
