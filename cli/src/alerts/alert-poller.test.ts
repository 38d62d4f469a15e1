import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, TYPICAL_MODEL } from '@typedcluster/core';
import type { Alert } from './alert.js';
import type { AlertSink, Delivery } from './alert-sinks.js';
import { createAlertPoller, type AlertPollerOptions } from './alert-poller.js';
import { SOURCES, type AnomalyReportRow, type CyclePhaseRow, type SourceName } from './api-rows.js';
import type { ReadResult } from './rest-reader.js';

const T0 = Date.parse('2026-11-21T08:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

/** s1…s5 inside TYPICAL_MODEL for every phase except where `out` says otherwise. */
function phaseRow(device: number, seq: number, phase: number, storedAt: number, out: Partial<Record<'s1' | 's2', number>> = {}): CyclePhaseRow {
  const mid = (s: number) => {
    const [min, max] = TYPICAL_MODEL[s]![phase - 1]!;
    return (min + max) / 2;
  };
  return {
    device_id: device, seq, cycle_no: seq, phase, phase_start: iso(T0 + seq * 30_000 + (phase - 1) * 6000),
    s1: out.s1 ?? mid(0), s2: out.s2 ?? mid(1), s3: mid(2), s4: mid(3), s5: mid(4), stored_at: iso(storedAt),
  };
}

/** A REST API in memory: rows per view, filtered by commit time like `?stored_at=gte.…`. */
function fakeApi() {
  const rows: Record<SourceName, object[]> = { cycle_phases: [], readings: [], anomaly_reports: [] };
  let down: string | undefined;
  return {
    rows,
    setDown: (why: string | undefined) => (down = why),
    read: async <R>(source: SourceName, since: number): Promise<ReadResult<R>> => {
      if (down) return { ok: false, error: { code: 'ALERT_API_UNREACHABLE', message: down } };
      const time = SOURCES[source].time;
      const at = (r: object) => Date.parse((r as Record<string, string>)[time] ?? '');
      const found = rows[source].filter((r) => at(r) >= since).sort((a, b) => at(a) - at(b));
      return { ok: true, rows: found as R[] };
    },
  };
}

function recordingSink(name: string): AlertSink & { got: Alert[]; answer: Delivery } {
  const s = {
    name,
    got: [] as Alert[],
    answer: { outcome: 'done' } as Delivery,
    deliver: async (a: Alert) => {
      if (s.answer.outcome === 'done') s.got.push(a);
      return s.answer;
    },
  };
  return s;
}

describe('alert poller (cursor, overlap, de-duplication)', () => {
  let dir: string;
  let logs: string[];
  let now: number;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'alerts-'));
    logs = [];
    now = T0;
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const make = (api: ReturnType<typeof fakeApi>, sinks: AlertSink[], extra: Partial<AlertPollerOptions> = {}) =>
    createAlertPoller({
      read: api.read, sinks, statePath: join(dir, 'state.json'), model: TYPICAL_MODEL, intervalMs: 1000, overlapMs: 60_000,
      now: () => now, sleep: async () => {}, log: createLogger('alerts', { sink: (l) => logs.push(l), now: () => now }), ...extra,
    });

  it('alerts once when a sensor leaves its range, not while it stays out, and once when it returns', async () => {
    const api = fakeApi();
    const sink = recordingSink('console');
    const poller = await make(api, [sink]);
    api.rows.cycle_phases.push(phaseRow(3, 1, 1, T0 + 1000), phaseRow(3, 1, 2, T0 + 1000, { s2: 99 }), phaseRow(3, 1, 3, T0 + 1000, { s2: 99 }));
    assert.equal(await poller.pollOnce(), true);
    api.rows.cycle_phases.push(phaseRow(3, 2, 1, T0 + 31_000, { s2: 99 }), phaseRow(3, 2, 2, T0 + 31_000));
    assert.equal(await poller.pollOnce(), true);
    assert.deepEqual(sink.got.map((a) => a.id), ['out-of-range:3:s2:1/2', 'back-in-range:3:s2:2/2']);
    assert.equal(sink.got[0]!.phase, 2);
    assert.deepEqual(sink.got[0]!.range, [0, 5]);
  });

  it('picks up a row that committed late with an older commit time, and alerts nothing twice', async () => {
    const api = fakeApi();
    const sink = recordingSink('console');
    const poller = await make(api, [sink]);
    api.rows.cycle_phases.push(phaseRow(1, 10, 1, T0 + 5000, { s1: -7 }));
    await poller.pollOnce();
    // device 2's transaction started before device 1's row but committed after the poll
    api.rows.cycle_phases.push(phaseRow(2, 10, 1, T0 + 4000, { s1: -7 }));
    await poller.pollOnce();
    await poller.pollOnce();
    assert.deepEqual(sink.got.map((a) => a.id).sort(), ['out-of-range:1:s1:10/1', 'out-of-range:2:s1:10/1']);
  });

  it('resumes after its own restart from the saved cursor: no alert missed, none repeated', async () => {
    const api = fakeApi();
    const first = recordingSink('console');
    api.rows.cycle_phases.push(phaseRow(5, 1, 3, T0 + 1000, { s1: 1 }));
    await (await make(api, [first])).pollOnce();
    api.rows.cycle_phases.push(phaseRow(6, 1, 3, T0 + 2000, { s1: 1 }));
    const second = recordingSink('console');
    await (await make(api, [second])).pollOnce();
    assert.deepEqual(first.got.map((a) => a.id), ['out-of-range:5:s1:1/3']);
    assert.deepEqual(second.got.map((a) => a.id), ['out-of-range:6:s1:1/3']);
    const saved = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as { sensors: Record<string, { out: boolean }> };
    assert.equal(saved.sensors['5/s1']?.out, true);
  });

  it('says once why the API cannot be read, backs off, and then reads what arrived meanwhile', async () => {
    const api = fakeApi();
    const sink = recordingSink('console');
    const waits: number[] = [];
    const stop = new AbortController();
    const poller = await make(api, [sink], {
      sleep: async (ms) => {
        waits.push(ms);
        if (waits.length === 4) {
          api.setDown(undefined);
          api.rows.cycle_phases.push(phaseRow(4, 1, 1, T0 + 2000, { s2: 50 }));
        }
        if (waits.length === 5) stop.abort();
      },
    });
    api.setDown('connection refused by 127.0.0.1:9: is the platform running?');
    await poller.run(stop.signal);
    assert.deepEqual(waits, [1000, 2000, 4000, 8000, 1000]);
    assert.equal(logs.filter((l) => l.includes('ALERT_API_UNREACHABLE')).length, 1, logs.join('\n'));
    assert.ok(logs.some((l) => l.includes('resuming')));
    assert.deepEqual(sink.got.map((a) => a.id), ['out-of-range:4:s2:1/1']);
  });

  it('keeps alerts a sink could not take, across a restart, and delivers them in order', async () => {
    const api = fakeApi();
    const mqtt = recordingSink('mqtt');
    mqtt.answer = { outcome: 'retry', why: 'not connected to the MQTT broker' };
    const poller = await make(api, [recordingSink('console'), mqtt]);
    api.rows.cycle_phases.push(phaseRow(1, 1, 1, T0 + 1000, { s1: 9 }), phaseRow(1, 1, 2, T0 + 1000, { s2: 9 }));
    await poller.pollOnce();
    await poller.pollOnce();
    assert.equal(mqtt.got.length, 0);
    assert.equal(logs.filter((l) => l.includes('ALERT_SINK_FAILED')).length, 1);
    const again = recordingSink('mqtt');
    await (await make(api, [recordingSink('console'), again])).pollOnce();
    assert.deepEqual(again.got.map((a) => a.id), ['out-of-range:1:s1:1/1', 'back-in-range:1:s1:1/2', 'out-of-range:1:s2:1/2']);
  });

  it('raises an alert per anomaly report and per unusable input, once each', async () => {
    const api = fakeApi();
    const sink = recordingSink('console');
    const poller = await make(api, [sink]);
    const report = (id: number, extra: Partial<AnomalyReportRow>): AnomalyReportRow => ({
      id, plc_id: 7, cycle_no: 3, phase: 2, ts: iso(T0), detector: 'zscore', status: 'scored', reason: null, score: 4.2,
      is_anomaly: true, affected_sensors: ['s2'], created_at: iso(T0 + id * 1000), ...extra,
    });
    api.rows.anomaly_reports.push(report(1, {}), report(2, { status: 'unusable', reason: 'DETECTOR_INPUT_UNUSABLE', is_anomaly: false }), report(3, { is_anomaly: false }));
    await poller.pollOnce();
    await poller.pollOnce();
    assert.deepEqual(sink.got.map((a) => a.id), ['anomaly:7:report:1', 'unusable-input:7:report:2']);
    assert.match(sink.got[0]!.message, /zscore .*s2/);
  });

  it('checks sensor readings against the reading model; a NaN (NULL) value is out of range', async () => {
    const api = fakeApi();
    const sink = recordingSink('console');
    const poller = await make(api, [sink]);
    api.rows.readings.push(
      { device_id: 9, seq: 1, ts: iso(T0), temperature: 22, pressure: 101, humidity: 45, stored_at: iso(T0 + 10) },
      { device_id: 9, seq: 2, ts: iso(T0 + 1000), temperature: 80, pressure: null, humidity: 45, stored_at: iso(T0 + 1010) },
    );
    await poller.pollOnce();
    assert.deepEqual(sink.got.map((a) => a.id), ['out-of-range:9:temperature:2', 'out-of-range:9:pressure:2']);
  });
});
