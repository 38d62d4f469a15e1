import { FRAMES_CONTENT_TYPE, MAX_FRAME_SIZE, SINGLE_FRAME_CONTENT_TYPE } from '@typedcluster/core';
import type { InvocationOutcome } from '../http/invoke-function.js';
import { backoffMs, type Clock } from '../runtime/clock.js';
import type { UpstreamRequest } from '../runtime/forward-request.js';
import { answerOf, batchResultsOf, bundleAnswerOf, type Answer } from './answer.js';
import { bodyBytesOf, framesBodyOf, framesInBundle } from './frame-bundle.js';
import type { ConnectorConfig } from './connector-config.js';
import { JSON_BATCH_CONTENT_TYPE, jsonBatchBodyOf, jsonBytesOf } from './json-batch.js';
import type { BatchKind } from './routes.js';
import type { Delivery, DeliveryEnd, LaneMessage } from './delivery.js';

export interface LaneDeps<M extends LaneMessage> {
  readonly clock: Clock;
  readonly config: Pick<ConnectorConfig, 'maxAttempts' | 'retryBackoffMs' | 'retryBackoffMaxMs' | 'concurrency' | 'batchMax' | 'batchWaitMs'>;
  /** Largest frames body sent (the gateway's MAX_BODY_BYTES, at most 1 MiB). */
  readonly maxBatchBytes: number;
  readonly invoke: (fn: string, req: UpstreamRequest) => Promise<InvocationOutcome>;
  readonly newCallId: () => string;
  /**
   * Whether a message may be a bundle (wire-format §6.5, MQTT only). The TCP
   * listener says no: there every message is one frame with one acknowledgement.
   */
  readonly bundles?: boolean;
  /** The function is done with the message: acknowledge it, or dead-letter it first. */
  readonly onEnd: (d: Delivery<M>, end: DeliveryEnd) => void;
  readonly onRetry: (d: Delivery<M>, answer: Answer) => void;
  /** A batch failed as a whole in a way that counts: its messages go again one at a time. */
  readonly onSplit: (fn: string, size: number, answer: Answer) => void;
}

/**
 * The messages waiting for one function, and the invocations running for
 * it. Messages of one topic are handled in the order they arrived (a
 * device's SESSION frame before the data it opens): a message goes out
 * only when every earlier message of its topic is done, or with them in
 * one batch. At most `concurrency` invocations run at once; a batch
 * function gets up to `batchMax` messages per invocation, waiting at most
 * `batchWaitMs` for them: as one frames body (`frames`, answered per frame)
 * or as one JSON array (`json`, answered as a whole).
 */
export class FunctionLane<M extends LaneMessage> {
  /** Per topic, its unfinished deliveries in arrival order; the head goes first. */
  private readonly topics = new Map<string, Array<Delivery<M>>>();
  /** Topics whose head is queued, oldest first. */
  private readonly ready = new Set<string>();
  private running = 0;
  private queued = 0;
  private batchTimer: unknown;
  private stopped = false;
  private idle: Array<() => void> = [];

  constructor(
    readonly name: string,
    private batch: BatchKind | undefined,
    private readonly deps: LaneDeps<M>,
  ) {}

  setBatch(batch: BatchKind | undefined): void {
    this.batch = batch;
  }

  get size(): number {
    let n = 0;
    for (const q of this.topics.values()) n += q.length;
    return n;
  }

  add(message: M): Delivery<M> {
    const json = this.batch === 'json';
    const bundled = this.deps.bundles === false || json ? undefined : framesInBundle(message.payload);
    const d: Delivery<M> = {
      message,
      fn: this.name,
      frames: bundled ?? 1,
      bundle: bundled !== undefined,
      attempts: 0,
      counted: 0,
      retries: 0,
      single: json ? message.payload.length + 2 > this.deps.maxBatchBytes : bundled === undefined && message.payload.length > MAX_FRAME_SIZE,
      state: 'queued',
      queuedAt: this.deps.clock.now(),
      firstAttemptAt: 0,
      lastAttemptAt: 0,
      timer: undefined,
    };
    this.queued++;
    const q = this.topics.get(message.topic);
    if (q) q.push(d);
    else {
      this.topics.set(message.topic, [d]);
      this.ready.add(message.topic);
    }
    this.pump();
    return d;
  }

  /** No new invocations and no retries; resolves when the running invocations have answered. */
  stop(): Promise<void> {
    this.stopped = true;
    if (this.batchTimer !== undefined) this.deps.clock.clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    for (const q of this.topics.values()) {
      for (const d of q) {
        if (d.timer !== undefined) this.deps.clock.clearTimeout(d.timer);
        d.timer = undefined;
      }
    }
    return this.running === 0 ? Promise.resolve() : new Promise((r) => this.idle.push(r));
  }

  private pump(): void {
    const { config, clock } = this.deps;
    while (!this.stopped && this.running < config.concurrency && this.ready.size > 0) {
      const topic = this.ready.values().next().value as string;
      const head = this.topics.get(topic)![0]!;
      if (!this.batch || head.single) {
        // A bundle is a frames body even alone; a function without batching gets the payload as it came.
        this.dispatch([head], this.batch === 'frames' && head.bundle);
        continue;
      }
      const dueAt = head.queuedAt + config.batchWaitMs;
      if (this.queued < config.batchMax && clock.now() < dueAt) {
        this.armBatchTimer(dueAt - clock.now());
        return;
      }
      this.dispatch(this.collectBatch(), true);
    }
  }

  /** Runs of queued, batchable deliveries from the head of each ready topic, oldest topic first. */
  private collectBatch(): Array<Delivery<M>> {
    const { batchMax } = this.deps.config;
    const picked: Array<Delivery<M>> = [];
    // A JSON array's closing bracket is the one byte its messages do not pay for.
    const limit = this.deps.maxBatchBytes - (this.batch === 'json' ? 1 : 0);
    let bytes = 0;
    let frames = 0;
    for (const topic of this.ready) {
      for (const d of this.topics.get(topic)!) {
        const size = this.batch === 'json' ? jsonBytesOf(d) : bodyBytesOf(d);
        if (d.state !== 'queued' || d.single || (picked.length > 0 && (frames + d.frames > batchMax || bytes + size > limit))) break;
        picked.push(d);
        bytes += size;
        frames += d.frames;
      }
      if (frames >= batchMax) break;
    }
    return picked;
  }

  private armBatchTimer(ms: number): void {
    if (this.batchTimer !== undefined) return;
    this.batchTimer = this.deps.clock.setTimeout(() => {
      this.batchTimer = undefined;
      this.pump();
    }, Math.max(0, ms));
  }

  private dispatch(ds: Array<Delivery<M>>, asBatch: boolean): void {
    const now = this.deps.clock.now();
    for (const d of ds) {
      d.state = 'running';
      d.attempts++;
      if (d.firstAttemptAt === 0) d.firstAttemptAt = now;
      d.lastAttemptAt = now;
      this.queued--;
      this.settle(d.message.topic);
    }
    this.running++;
    const run = asBatch ? this.runBatch(ds) : this.runSingle(ds[0]!);
    void run.finally(() => {
      this.running--;
      this.pump();
      if (this.running === 0) for (const r of this.idle.splice(0)) r();
    });
  }

  private async runSingle(d: Delivery<M>): Promise<void> {
    const type = this.batch === 'json' ? JSON_BATCH_CONTENT_TYPE : SINGLE_FRAME_CONTENT_TYPE;
    const outcome = await this.deps.invoke(this.name, this.request(type, d.message.payload, d.message.topic));
    this.apply(d, answerOf(outcome));
  }

  private async runBatch(ds: Array<Delivery<M>>): Promise<void> {
    const json = this.batch === 'json';
    const request = json ? this.request(JSON_BATCH_CONTENT_TYPE, jsonBatchBodyOf(ds), undefined) : this.request(FRAMES_CONTENT_TYPE, framesBodyOf(ds), undefined);
    const outcome = await this.deps.invoke(this.name, request);
    // A JSON batch is answered as a whole: a 2xx settles every message in it.
    const results = json ? undefined : batchResultsOf(outcome, ds.reduce((n, d) => n + d.frames, 0));
    if (results) {
      let at = 0;
      for (const d of ds) {
        this.apply(d, bundleAnswerOf(results.slice(at, at + d.frames), d.bundle));
        at += d.frames;
      }
      return;
    }
    const whole = answerOf(outcome);
    if (whole.verdict === 'outage' || whole.verdict === 'replay' || (json && whole.verdict === 'done')) {
      for (const d of ds) this.apply(d, whole);
      return;
    }
    // A failure of the whole batch that may be one message's fault (or a
    // 2xx that is not one result per frame): find out one message at a time,
    // without counting this try against any of them.
    this.deps.onSplit(this.name, ds.length, whole);
    for (const d of ds) {
      d.single = true;
      this.requeue(d);
    }
  }

  private request(contentType: string, body: Buffer, topic: string | undefined): UpstreamRequest {
    const headers: Record<string, string> = { 'content-type': contentType, 'x-call-id': this.deps.newCallId() };
    if (topic !== undefined) headers['x-topic'] = topic;
    return { method: 'POST', path: '/', headers, body };
  }

  private apply(d: Delivery<M>, answer: Answer): void {
    switch (answer.verdict) {
      case 'done':
      case 'replay':
        return this.end(d, { kind: answer.verdict });
      case 'reject':
        return this.end(d, { kind: 'dead', answer });
      case 'poison':
        d.counted++;
        if (d.counted >= this.deps.config.maxAttempts) return this.end(d, { kind: 'dead', answer });
        return this.retry(d, answer);
      case 'outage':
        return this.retry(d, answer);
    }
  }

  private end(d: Delivery<M>, end: DeliveryEnd): void {
    d.state = 'finished';
    if (d.timer !== undefined) this.deps.clock.clearTimeout(d.timer);
    d.timer = undefined;
    const q = this.topics.get(d.message.topic);
    const i = q ? q.indexOf(d) : -1;
    if (q && i >= 0) q.splice(i, 1);
    this.settle(d.message.topic);
    this.deps.onEnd(d, end);
  }

  private retry(d: Delivery<M>, answer: Answer): void {
    d.retries++;
    d.state = 'waiting';
    this.deps.onRetry(d, answer);
    if (this.stopped) return;
    d.timer = this.deps.clock.setTimeout(() => {
      d.timer = undefined;
      if (!this.stopped) this.requeue(d);
    }, backoffMs(d.retries, this.deps.config.retryBackoffMs, this.deps.config.retryBackoffMaxMs));
  }

  private requeue(d: Delivery<M>): void {
    d.state = 'queued';
    d.queuedAt = this.deps.clock.now();
    this.queued++;
    this.settle(d.message.topic);
    this.pump();
  }

  /** Keeps `ready` true to "the topic's head is queued". */
  private settle(topic: string): void {
    const q = this.topics.get(topic);
    if (!q || q.length === 0) {
      this.topics.delete(topic);
      this.ready.delete(topic);
    } else if (q[0]!.state === 'queued') this.ready.add(topic);
    else this.ready.delete(topic);
  }
}
