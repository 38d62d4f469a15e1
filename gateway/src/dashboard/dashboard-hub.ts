import type { Logger, PhaseModel } from '@typedcluster/core';
import type { Clock } from '../runtime/clock.js';
import { CycleHistory } from './cycle-history.js';
import type { DashboardConfig } from './dashboard-config.js';
import type { DashboardMetrics } from './dashboard-metrics.js';
import type { DashboardQueries, PolledRow } from './dashboard-queries.js';
import type { AnomalyMarker, PhaseRow, PlcChunk, SeriesName } from './dashboard-types.js';
import type { PipelineHealth } from './pipeline-health.js';
import { SseClient, type SseSink } from './sse-client.js';
import { formatSseEvent, sseRetry } from './sse-frame.js';

/** What one viewer asked for (query string of /dashboard/events). */
export interface Subscription {
  readonly plcs: 'all' | ReadonlySet<number>;
  readonly series: readonly SeriesName[];
  /** Points per series in snapshots, at most config.points. */
  readonly points: number;
  /** Also presence and health. */
  readonly meta: boolean;
  /** The cursor (`epoch:tick`) of the last event it saw, to resume after a reconnect. */
  readonly since: string | undefined;
}

export interface HubDeps {
  readonly config: DashboardConfig;
  readonly queries: DashboardQueries;
  readonly model: PhaseModel;
  readonly health: () => Promise<PipelineHealth>;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: DashboardMetrics;
  /** Distinguishes this gateway run in cursors, so a cursor from before a restart is not trusted. */
  readonly epoch: string;
}

interface Viewer {
  readonly sub: Subscription;
  readonly client: SseClient;
  ready: boolean;
}

/** A transaction stamps stored_at when it starts but may commit later: re-read this far back, skip what was seen. */
const OVERLAP_US = 5_000_000n;
const ANOMALY_OVERLAP = 100n;
const ANOMALIES_PER_PLC = 100;
const HEARTBEAT_MS = 15_000;

/**
 * The dashboard's one shared poller and its viewers. While at least one
 * viewer is connected it asks PostgreSQL every poll interval for new cycle
 * rows (by stored_at) and anomaly reports, keeps the last rows of every
 * PLC in memory, and fans the new ones out to every viewer's selection;
 * presence and health every health interval. No query runs per viewer.
 */
export class DashboardHub {
  private readonly viewers = new Set<Viewer>();
  private readonly history: CycleHistory;
  private readonly anomaliesByPlc = new Map<number, AnomalyMarker[]>();
  private readonly seen = new Map<string, bigint>();
  private readonly seenAnomalies = new Set<bigint>();
  private generation = 0;
  private tick = 0;
  private seeded = false;
  private highUs = 0n;
  private maxAnomalyId: bigint | undefined;
  private timer: unknown;
  private ready: Promise<void> | undefined;
  private lastMetaAt = Number.NEGATIVE_INFINITY;
  private lastBeatAt = 0;
  private rowsSinceMeta = 0;
  private latestMeta = new Map<string, string>();
  private failure: { code: string; message: string } | undefined;

  constructor(private readonly deps: HubDeps) {
    this.history = new CycleHistory(deps.config.points, deps.model);
  }

  get viewerCount(): number {
    return this.viewers.size;
  }

  get full(): boolean {
    return this.viewers.size >= this.deps.config.maxClients;
  }

  private get cursor(): string {
    return `${this.deps.epoch}.${this.generation}:${this.tick}`;
  }

  /** Adds a viewer; it gets hello, a snapshot (or what it missed) and the latest presence and health. Returns its unsubscribe. */
  async subscribe(sub: Subscription, sink: SseSink): Promise<() => void> {
    const viewer: Viewer = {
      sub,
      ready: false,
      client: new SseClient(sink, {
        maxBufferedBytes: this.deps.config.clientBufferBytes,
        resync: () => this.snapshotEvent({ ...sub, since: undefined }),
        onDropped: (kind) => this.deps.metrics.dropped(kind),
      }),
    };
    this.viewers.add(viewer);
    this.deps.metrics.setClients(this.viewers.size);
    this.start();
    await this.ready;
    let gone = false;
    const unsubscribe = (): void => {
      if (gone) return;
      gone = true;
      this.viewers.delete(viewer);
      this.deps.metrics.setClients(this.viewers.size);
      if (this.viewers.size === 0) this.stop();
    };
    if (!this.viewers.has(viewer)) return unsubscribe; // left while the first seed ran
    // Synchronous from here to `ready`: no tick can slip between the snapshot and the live events.
    sink.write(sseRetry(2000) + formatSseEvent({ event: 'hello', data: JSON.stringify(this.hello()) }) + this.snapshotEvent(sub));
    for (const framed of this.latestMeta.values()) if (sub.meta) sink.write(framed);
    if (this.failure) sink.write(formatSseEvent({ event: 'status', data: JSON.stringify({ ok: false, ...this.failure }) }));
    viewer.ready = true;
    return unsubscribe;
  }

  /** One poll: new rows, new anomalies, and presence and health when due. Tests call it directly. */
  async pollOnce(): Promise<void> {
    const generation = this.generation;
    try {
      if (!this.seeded) {
        await this.seed(generation);
      } else {
        const rows = await this.deps.queries.rowsSince((this.highUs - OVERLAP_US).toString(), this.rowLimit);
        const anomalies = await this.deps.queries.anomalies(this.maxAnomalyId === undefined ? undefined : (this.maxAnomalyId - ANOMALY_OVERLAP).toString(), 500);
        if (generation !== this.generation) return;
        if (rows.length >= this.rowLimit) {
          // Far behind (an outage, a backlog): start over from the newest rows instead of replaying the backlog.
          this.deps.log.info('dashboard: more new rows than one poll takes; taking a fresh snapshot');
          this.seeded = false;
          await this.seed(generation);
          if (generation === this.generation) this.broadcastSnapshots();
        } else {
          this.tick++;
          this.publishRows(this.takeNew(rows));
          this.publishAnomalies(this.takeNewAnomalies(anomalies));
        }
      }
      this.setFailure(undefined);
      const now = this.deps.clock.now();
      if (now - this.lastMetaAt >= this.deps.config.healthIntervalMs) await this.publishMeta(now, generation);
      if (now - this.lastBeatAt >= HEARTBEAT_MS) {
        this.lastBeatAt = now;
        for (const v of this.viewers) if (v.ready) v.client.heartbeat();
      }
    } catch (e) {
      this.deps.metrics.pollFailed();
      this.setFailure({ code: 'DATABASE_ERROR', message: `the dashboard cannot read the database: ${(e as Error).message}` });
    }
  }

  /** Ends every viewer's stream (the gateway is stopping) and stops polling. */
  close(): void {
    this.viewers.clear();
    this.deps.metrics.setClients(0);
    this.stop();
  }

  private get rowLimit(): number {
    return Math.max(1000, this.deps.config.points * 20);
  }

  private start(): void {
    if (this.ready) return;
    const generation = ++this.generation;
    this.tick = 0;
    this.lastMetaAt = Number.NEGATIVE_INFINITY;
    this.ready = this.pollOnce().then(() => {
      if (generation === this.generation) this.schedule(generation);
    });
  }

  private schedule(generation: number): void {
    this.timer = this.deps.clock.setTimeout(() => {
      if (generation !== this.generation) return;
      void this.pollOnce().then(() => {
        if (generation === this.generation) this.schedule(generation);
      });
    }, this.deps.config.pollIntervalMs);
  }

  private stop(): void {
    this.generation++;
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.ready = undefined;
    this.seeded = false;
    this.history.clear();
    this.anomaliesByPlc.clear();
    this.seen.clear();
    this.seenAnomalies.clear();
    this.maxAnomalyId = undefined;
    this.latestMeta.clear();
    this.failure = undefined;
  }

  private async seed(generation: number): Promise<void> {
    const { rows, nowUs } = await this.deps.queries.seed(this.deps.config.points);
    const anomalies = await this.deps.queries.anomalies(undefined, 500);
    if (generation !== this.generation) return;
    this.history.clear();
    this.anomaliesByPlc.clear();
    this.seen.clear();
    this.seenAnomalies.clear();
    this.maxAnomalyId = undefined;
    this.highUs = BigInt(nowUs);
    this.takeNew(rows);
    this.history.add(rows, this.tick);
    this.takeNewAnomalies(anomalies);
    this.seeded = true;
  }

  /** Rows not seen before (the overlap re-reads some), remembering them for the overlap window. */
  private takeNew(rows: readonly PolledRow[]): PhaseRow[] {
    const fresh: PhaseRow[] = [];
    for (const r of rows) {
      const key = `${r.plc}:${r.seq}:${r.phase}`;
      if (this.seen.has(key)) continue;
      const us = BigInt(r.storedUs);
      this.seen.set(key, us);
      if (us > this.highUs) this.highUs = us;
      fresh.push({ plc: r.plc, seq: r.seq, cycle: r.cycle, phase: r.phase, t: r.t, s: r.s });
    }
    const floor = this.highUs - OVERLAP_US;
    for (const [key, us] of this.seen) if (us < floor) this.seen.delete(key);
    this.rowsSinceMeta += fresh.length;
    return fresh;
  }

  private takeNewAnomalies(markers: readonly AnomalyMarker[]): AnomalyMarker[] {
    const fresh: AnomalyMarker[] = [];
    for (const m of markers) {
      const id = BigInt(m.id);
      if (this.seenAnomalies.has(id)) continue;
      this.seenAnomalies.add(id);
      if (this.maxAnomalyId === undefined || id > this.maxAnomalyId) this.maxAnomalyId = id;
      const list = this.anomaliesByPlc.get(m.plc) ?? [];
      list.push(m);
      if (list.length > ANOMALIES_PER_PLC) list.shift();
      this.anomaliesByPlc.set(m.plc, list);
      fresh.push(m);
    }
    const floor = (this.maxAnomalyId ?? 0n) - ANOMALY_OVERLAP;
    for (const id of this.seenAnomalies) if (id <= floor) this.seenAnomalies.delete(id);
    return fresh;
  }

  private publishRows(rows: readonly PhaseRow[]): void {
    const { added, replaced } = this.history.add(rows, this.tick);
    if (added.size === 0) return;
    const framedBySelection = new Map<string, string | null>();
    for (const v of this.viewers) {
      if (!v.ready) continue;
      const key = selectionKey(v.sub);
      let framed = framedBySelection.get(key);
      if (framed === undefined) {
        const chunks: PlcChunk[] = [];
        for (const [plc, list] of added) {
          if (!wants(v.sub, plc)) continue;
          chunks.push(replaced.has(plc) ? this.history.snapshot(plc, v.sub.series, v.sub.points) : this.history.append(plc, list, v.sub.series));
        }
        framed = chunks.length === 0 ? null : formatSseEvent({ event: 'rows', id: this.cursor, data: JSON.stringify({ cursor: this.cursor, plcs: chunks }) });
        framedBySelection.set(key, framed);
      }
      if (framed !== null) v.client.send('rows', framed, 'stream');
    }
  }

  private publishAnomalies(markers: readonly AnomalyMarker[]): void {
    if (markers.length === 0) return;
    for (const v of this.viewers) {
      if (!v.ready) continue;
      const mine = markers.filter((m) => wants(v.sub, m.plc));
      if (mine.length > 0) v.client.send('anomalies', formatSseEvent({ event: 'anomalies', data: JSON.stringify({ markers: mine }) }), 'stream');
    }
  }

  private broadcastSnapshots(): void {
    for (const v of this.viewers) if (v.ready) v.client.send('snapshot', this.snapshotEvent({ ...v.sub, since: undefined }), 'stream');
  }

  private async publishMeta(now: number, generation: number): Promise<void> {
    const presence = await this.deps.queries.presence();
    const health = await this.deps.health();
    if (generation !== this.generation) return;
    const seconds = Number.isFinite(this.lastMetaAt) ? Math.max(0.001, (now - this.lastMetaAt) / 1000) : 0;
    const rowsPerSec = seconds > 0 ? Math.round((this.rowsSinceMeta / seconds) * 100) / 100 : 0;
    this.rowsSinceMeta = 0;
    this.lastMetaAt = now;
    const events: Array<[string, unknown]> = [
      ['presence', { at: now, onlineWithinMs: this.deps.config.onlineWithinMs, ...presence }],
      ['health', { ...health, stored: { rowsPerSec, cyclesPerSec: Math.round((rowsPerSec / 5) * 100) / 100 }, dashboard: { viewers: this.viewers.size, pollOk: this.failure === undefined } }],
    ];
    for (const [kind, data] of events) {
      const framed = formatSseEvent({ event: kind, data: JSON.stringify(data) });
      this.latestMeta.set(kind, framed);
      for (const v of this.viewers) if (v.ready && v.sub.meta) v.client.send(kind, framed, 'latest');
    }
  }

  private setFailure(f: { code: string; message: string } | undefined): void {
    if (f?.message === this.failure?.message) return;
    if (f) this.deps.log.warn('dashboard poll failed', { code: f.code, error: f.message });
    else this.deps.log.info('dashboard poll works again');
    this.failure = f;
    const framed = formatSseEvent({ event: 'status', data: JSON.stringify(f ? { ok: false, ...f } : { ok: true }) });
    for (const v of this.viewers) if (v.ready) v.client.send('status', framed, 'latest');
  }

  private hello(): unknown {
    const c = this.deps.config;
    return {
      cursor: this.cursor,
      serverTime: this.deps.clock.now(),
      model: this.deps.model,
      points: c.points,
      pollIntervalMs: c.pollIntervalMs,
      healthIntervalMs: c.healthIntervalMs,
      onlineWithinMs: c.onlineWithinMs,
    };
  }

  /** Everything a viewer shows, or, for a cursor of this run, only what it missed. */
  private snapshotEvent(sub: Subscription): string {
    const since = this.parseCursor(sub.since);
    const plcs = this.history.plcs().filter((p) => wants(sub, p));
    const chunks: PlcChunk[] = [];
    for (const plc of plcs) {
      const chunk = since === undefined ? this.history.snapshot(plc, sub.series, sub.points) : this.history.since(plc, since, sub.series, sub.points);
      if (chunk) chunks.push(chunk);
    }
    const anomalies = [...this.anomaliesByPlc].filter(([plc]) => wants(sub, plc)).flatMap(([, list]) => list);
    return formatSseEvent({ event: 'snapshot', id: this.cursor, data: JSON.stringify({ cursor: this.cursor, resumed: since !== undefined, plcs: chunks, anomalies }) });
  }

  private parseCursor(cursor: string | undefined): number | undefined {
    const m = cursor === undefined ? null : /^(.+):(\d+)$/.exec(cursor);
    if (!m || m[1] !== `${this.deps.epoch}.${this.generation}`) return undefined;
    const tick = Number(m[2]);
    return tick <= this.tick ? tick : undefined;
  }
}

const wants = (sub: Subscription, plc: number): boolean => sub.plcs === 'all' || sub.plcs.has(plc);
const selectionKey = (sub: Subscription): string => `${sub.plcs === 'all' ? 'all' : [...sub.plcs].sort((a, b) => a - b).join(',')}|${sub.series.join(',')}|${sub.points}`;
