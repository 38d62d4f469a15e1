// Runs the one-box gateway on its own:
//   node --conditions=typescript --import tsx gateway/src/main.ts
// Config comes from the environment (see gateway/README.md); SIGTERM or
// SIGINT stops it gracefully. A start-up error is one line and exit 1.
import { createLogger, StartupError } from '@typedcluster/core';
import { startGateway } from './server.js';

const log = createLogger('gateway');
try {
  const gw = await startGateway({ log });
  const stop = (signal: string): void => {
    log.info('stopping', { signal });
    void gw.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
} catch (e) {
  log.error(e instanceof StartupError ? e.toLine() : `error GATEWAY_FAILED: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
