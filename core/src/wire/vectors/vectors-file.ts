import { fileURLToPath } from 'node:url';
import type { WireVectors } from './vector-types.js';

/** test-vectors/wire-v1.json at the repository root. */
export const VECTORS_PATH = fileURLToPath(new URL('../../../../test-vectors/wire-v1.json', import.meta.url));

/** The exact committed text: stable key order, two-space indent, final newline. */
export const renderVectors = (v: WireVectors): string => JSON.stringify(v, null, 2) + '\n';
