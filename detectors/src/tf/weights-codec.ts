import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { fail, ok, type Result } from '@typedcluster/core';

/**
 * A network's weights as bytes for the model registry: float32
 * little-endian, concatenated in `model.getWeights()` order. The params
 * carry the shapes and a SHA-256, so truncated or altered bytes are caught
 * on load (DETECTOR_ARTEFACT_CORRUPT) instead of producing a model that
 * scores garbage.
 */
export interface WeightsManifest {
  readonly shapes: number[][];
  readonly sha256: string;
}

export function encodeWeights(model: tf.LayersModel): { bytes: Uint8Array; manifest: WeightsManifest } {
  const ws = model.getWeights();
  const shapes = ws.map((w) => [...w.shape]);
  const total = shapes.reduce((n, s) => n + size(s), 0);
  const out = new Float32Array(total);
  let at = 0;
  for (const w of ws) {
    const v = w.dataSync() as Float32Array;
    out.set(v, at);
    at += v.length;
  }
  const bytes = toLittleEndian(out);
  return { bytes, manifest: { shapes, sha256: sha256(bytes) } };
}

/** Loads `bytes` into `model` after checking them against the manifest and the model's own shapes. */
export function decodeWeightsInto(model: tf.LayersModel, bytes: Uint8Array | undefined, manifest: unknown): Result<void> {
  if (!bytes) return fail('DETECTOR_ARTEFACT_CORRUPT', 'artefact has no weights', 'weights');
  const m = manifest as Partial<WeightsManifest> | undefined;
  if (!m || !Array.isArray(m.shapes) || typeof m.sha256 !== 'string') return fail('DETECTOR_ARTEFACT_CORRUPT', 'weights manifest (shapes, sha256) missing', 'params.weights');
  const want = model.getWeights().map((w) => [...w.shape]);
  if (JSON.stringify(want) !== JSON.stringify(m.shapes)) return fail('DETECTOR_ARTEFACT_CORRUPT', 'weight shapes do not match the network the params describe', 'params.weights.shapes');
  const total = want.reduce((n, s) => n + size(s), 0);
  if (bytes.length !== total * 4) return fail('DETECTOR_ARTEFACT_CORRUPT', `weights are ${bytes.length} bytes, the network needs ${total * 4}`, 'weights');
  if (sha256(bytes) !== m.sha256) return fail('DETECTOR_ARTEFACT_CORRUPT', 'weights do not match their SHA-256: the artefact was altered or damaged', 'weights');
  const values = fromLittleEndian(bytes);
  if (!values.every(Number.isFinite)) return fail('DETECTOR_ARTEFACT_CORRUPT', 'weights contain NaN or infinite values', 'weights');
  let at = 0;
  const tensors = want.map((shape) => {
    const n = size(shape);
    const t = tf.tensor(values.subarray(at, at + n), shape, 'float32');
    at += n;
    return t;
  });
  model.setWeights(tensors);
  tensors.forEach((t) => t.dispose());
  return ok(undefined);
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function toLittleEndian(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return bytes;
}

function fromLittleEndian(bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Float32Array.from({ length: bytes.length / 4 }, (_, i) => view.getFloat32(i * 4, true));
}
