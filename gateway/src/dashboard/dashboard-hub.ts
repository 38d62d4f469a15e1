import type { Logger, PhaseModel } from '@typedcluster/core';
import type { Clock } from '../runtime/clock.js';
import { CycleHistory } from './cycle-history.js';
import type { DashboardConfig } from './dashboard-config.js';
import type { DashboardMetrics } from './dashboard-metrics.js';
import type { DashboardQueries, PolledRow } from './dashboard-queries.js';
import type { PhaseRow } from './dashboard-types.js';
import { AnomalyLog } from './anomaly-log.js';
import { FreshRows } from './fresh-rows.js';
import type { PipelineHealth } from './pipeline-health.js';
import { SseClient, type SseSink } from './sse-client.js';
import { formatSseEvent, sseRetry } from './sse-frame.js';
import type { Subscription } from './subscription.js';
import { fanOutAnomalies, fanOutRows, snapshotEvent, type Viewer } from './viewer-fanout.js';

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
  private readonly fresh = new FreshRows();
  private readonly anomalies = new AnomalyLog();
  private generation = 0;
  private tick = 0;
  private seeded = false;
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
        const rows = await this.deps.queries.rowsSince(this.fresh.pollFromUs, this.rowLimit);
        const anomalies = await this.deps.queries.anomalies(this.anomalies.pollAfterId, 500);
        if (generation !== this.generation) return;
        if (rows.length >= this.rowLimit) {
          // Far behind (an outage, a backlog): start over from the newest rows instead of replaying the backlog.
          this.deps.log.info('dashboard: more new rows than one poll takes; taking a fresh snapshot');
          this.seeded = false;
          await this.seed(generation);
          if (generation === this.generation) this.broadcastSnapshots();
        } else {
          this.tick++;
          fanOutRows(this.viewers, this.history, this.history.add(this.takeNew(rows), this.tick), this.cursor);
          fanOutAnomalies(this.viewers, this.anomalies.take(anomalies));
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
    this.anomalies.clear();
    this.fresh.clear();
    this.latestMeta.clear();
    this.failure = undefined;
  }

  private async seed(generation: number): Promise<void> {
    const { rows, nowUs } = await this.deps.queries.seed(this.deps.config.points);
    const anomalies = await this.deps.queries.anomalies(undefined, 500);
    if (generation !== this.generation) return;
    this.history.clear();
    this.anomalies.clear();
    this.fresh.reset(nowUs);
    this.takeNew(rows);
    this.history.add(rows, this.tick);
    this.anomalies.take(anomalies);
    this.seeded = true;
  }

  /** Rows not seen before; they count toward the stored rate in health. */
  private takeNew(rows: readonly PolledRow[]): PhaseRow[] {
    const fresh = this.fresh.take(rows);
    this.rowsSinceMeta += fresh.length;
    return fresh;
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
    return snapshotEvent(this.history, this.anomalies, sub, this.cursor, this.parseCursor(sub.since));
  }

  private parseCursor(cursor: string | undefined): number | undefined {
    const m = cursor === undefined ? null : /^(.+):(\d+)$/.exec(cursor);
    if (!m || m[1] !== `${this.deps.epoch}.${this.generation}`) return undefined;
    const tick = Number(m[2]);
    return tick <= this.tick ? tick : undefined;
  }
}
