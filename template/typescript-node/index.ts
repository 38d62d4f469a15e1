// The typescript-node template's entry point. Under of-watchdog (http mode)
// it is the upstream on PORT 3000; under the one-box gateway it is a child
// process started with PORT=0 that reports its port over IPC.
// Environment: HANDLER_PATH, PORT, BIND_ADDRESS, MAX_BODY_BYTES, SECRETS_DIR,
// GATEWAY_URL, FUNCTION_NAME, DRAIN_TIMEOUT (see bootstrap/read-bootstrap-config.ts).
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBootstrap } from './bootstrap/run-bootstrap.js';

void runBootstrap({ env: process.env, here: dirname(fileURLToPath(import.meta.url)) });
