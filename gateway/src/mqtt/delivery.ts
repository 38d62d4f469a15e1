import type { Answer } from './answer.js';

/** What a lane needs of a message. */
export interface LaneMessage {
  readonly topic: string;
  readonly payload: Buffer;
}

/** One message on its way to one function. */
export interface Delivery<M extends LaneMessage = LaneMessage> {
  readonly message: M;
  readonly fn: string;
  /**
   * Frames it carries: 1, or the count of a bundle (wire-format §6.5: the
   * payload is itself a §6.1 stream), which goes into a frames body as it is.
   */
  readonly frames: number;
  readonly bundle: boolean;
  /** Invocations it took part in (batches included): the dead letter's `attempts`. */
  attempts: number;
  /** Answers that count against it (poison); at MQTT_MAX_ATTEMPTS it is dead-lettered. */
  counted: number;
  /** Retries so far, for the back-off. */
  retries: number;
  /** Sent alone, never in a batch: after its batch failed in a way that counts, or too big for a frame. */
  single: boolean;
  state: 'queued' | 'running' | 'waiting' | 'finished';
  queuedAt: number;
  firstAttemptAt: number;
  lastAttemptAt: number;
  timer: unknown;
}

export type DeliveryEnd = { readonly kind: 'done' | 'replay' } | { readonly kind: 'dead'; readonly answer: Answer };
