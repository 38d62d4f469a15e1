/** What signals come from: `process`, or an EventEmitter in tests. */
export interface SignalSource {
  once(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  off(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
}

/**
 * Runs a command that goes on until stopped: Ctrl-C (SIGINT) or SIGTERM
 * aborts the signal it is given, and it then stops gracefully. The
 * listeners stay for the whole run, graceful stop included, so a signal
 * while stopping does not kill it half-way; a second Ctrl-C still does
 * (the SIGINT listener is gone by then).
 */
export async function runUntilStopped<T>(run: (signal: AbortSignal) => Promise<T>, signals: SignalSource = process): Promise<T> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  signals.once('SIGINT', onSignal);
  signals.once('SIGTERM', onSignal);
  try {
    return await run(stop.signal);
  } finally {
    signals.off('SIGINT', onSignal);
    signals.off('SIGTERM', onSignal);
  }
}
