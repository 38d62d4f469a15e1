import type { SimStream } from '@typedcluster/core';
import type { SimulatorStats } from './simulator.js';

/** One line of what the simulator did so far, for the progress output and the final report. */
export function progressLine(s: SimulatorStats, stream: SimStream): string {
  return (
    `sim: ${s.generated} ${stream === 'cycle' ? 'cycles' : 'readings'} generated (${s.anomalies} anomalies), ` +
    `${s.published} frames published, ${s.buffered} buffered in outboxes, ${s.connected}/${s.devices} connected` +
    (s.refused ? `, ${s.refused} REFUSED (outbox full)` : '')
  );
}
