/**
 * Writes test-vectors/wire-v1.json (wire-format §9). Run from the repo root:
 *   node --conditions=typescript --import tsx core/src/wire/vectors/generate-vectors.ts
 * then review the diff: a changed vector is a wire format change.
 */
import { writeFileSync } from 'node:fs';
import { sodiumReady } from '../../crypto/sodium.js';
import { buildVectors } from './build-vectors.js';
import { VECTORS_PATH, renderVectors } from './vectors-file.js';

await sodiumReady();
writeFileSync(VECTORS_PATH, renderVectors(buildVectors()));
console.log(`wrote ${VECTORS_PATH}`);
