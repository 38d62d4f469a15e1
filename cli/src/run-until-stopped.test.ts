import { strict as assert } from 'node:assert';
import { EventEmitter, once } from 'node:events';
import { runUntilStopped } from './run-until-stopped.js';

describe('runUntilStopped (Ctrl-C / SIGTERM → AbortSignal)', () => {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    it(`${sig} aborts the run's signal, the run's result is returned and the listeners are removed`, async () => {
      const signals = new EventEmitter();
      const result = runUntilStopped(async (signal) => {
        assert.equal(signal.aborted, false);
        await once(signal, 'abort');
        return 7;
      }, signals);
      assert.equal(signals.listenerCount(sig), 1);
      signals.emit(sig);
      assert.equal(await result, 7);
      assert.equal(signals.listenerCount('SIGINT') + signals.listenerCount('SIGTERM'), 0);
    });
  }

  it('removes the listeners when the run fails, and passes the failure on', async () => {
    const signals = new EventEmitter();
    await assert.rejects(
      runUntilStopped(async () => {
        throw new Error('boom');
      }, signals),
      /boom/,
    );
    assert.equal(signals.listenerCount('SIGINT') + signals.listenerCount('SIGTERM'), 0);
  });
});
