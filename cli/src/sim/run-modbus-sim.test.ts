import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { recordingIo } from '../cli-test-io.js';
import { runModbusSim } from './run-modbus-sim.js';

const defaults = { plcs: '3', temperature: '0.1', speed: '1', stream: 'cycle', 'outbox-max-mb': '16', modbus: true };

describe('typedcluster sim --modbus: flags', () => {
  for (const [what, values, mentions] of [
    ['--stream reading', { stream: 'reading' }, '--stream reading'],
    ['--cycles', { cycles: '5' }, '--cycles'],
    ['a port out of range', { 'modbus-port': '65534' }, '--modbus-port 65534'],
    ['a port that is not a number', { 'modbus-port': 'x' }, '--modbus-port x'],
    ['a bad shared flag', { speed: '0' }, '--speed'],
  ] as const) {
    it(`refuses ${what} with one line naming the flag, exit 2`, async () => {
      const io = recordingIo({}, tmpdir());
      const code = await runModbusSim({ ...defaults, ...values }, io, new AbortController().signal);
      assert.equal(code, 2);
      assert.equal(io.errLines.length, 1);
      assert.ok(io.errLines[0]?.includes(mentions), io.errLines[0]);
    });
  }

  it('serves, prints the MODBUS_TARGETS line to poll them, and stops when told', async () => {
    const io = recordingIo({}, tmpdir());
    const stop = new AbortController();
    const run = runModbusSim({ ...defaults, plcs: '2', 'modbus-port': String(await freePort()), seed: '3' }, io, stop.signal);
    while (!io.outLines.some((l) => l.startsWith('poll them with'))) await new Promise((r) => setTimeout(r, 10));
    stop.abort();
    assert.equal(await run, 0);
    const targets = io.outLines.find((l) => l.startsWith('poll them with'))!;
    assert.match(targets, /MODBUS_TARGETS=modbus-plc-1@127\.0\.0\.1:(\d+),modbus-plc-2@127\.0\.0\.1:(\d+) typedcluster up/);
  });
});

/** A port free now (the second PLC takes the next one; a clash would fail the test loudly, not silently). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const a = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return typeof a === 'object' && a ? a.port : 0;
}
