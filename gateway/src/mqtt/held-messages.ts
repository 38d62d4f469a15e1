import type { LaneMessage } from './delivery.js';

/** A message between its arrival and its PUBACK. */
export interface HeldMessage extends LaneMessage {
  /** undefined for QoS 0 (nothing to acknowledge). */
  readonly messageId: number | undefined;
  /** The broker session it came in; a message from a session the broker lost is never acknowledged. */
  readonly epoch: number;
  /** Functions still working on it. */
  open: number;
  /** Dead letters of it the broker has not acknowledged yet. */
  deadPending: number;
}

export interface HeldMessagesDeps {
  /** Told the count of messages received and not yet acknowledged, on every change. */
  readonly setUnacked: (n: number) => void;
  /** Sends the PUBACK now; false when not connected. */
  readonly puback: (messageId: number) => boolean;
}

/** What an arriving QoS 1 packet id is to the bookkeeping. */
export type Arrival = 'new' | 'finished' | 'in-progress';

/**
 * The acknowledgement bookkeeping: which messages are held, which are
 * done, and when a message's PUBACK may go (every function done and every
 * dead letter of it acknowledged by the broker, in the session it came in).
 */
export class HeldMessages {
  /** Messages of the current session by packet id: a redelivery of one still in progress is not worked on twice. */
  private readonly byId = new Map<number, HeldMessage>();
  /** Finished while disconnected: acknowledged when the broker redelivers them after the reconnect. */
  private readonly ackOnRedelivery = new Set<number>();
  private epoch = 0;
  private hadSession = false;
  private heldNow = 0;
  private maxHeldNow = 0;
  private unackedNow = 0;

  constructor(private readonly deps: HeldMessagesDeps) {}

  /** Messages being worked on (the in-flight window counts these). */
  get held(): number {
    return this.heldNow;
  }

  get maxHeld(): number {
    return this.maxHeldNow;
  }

  /** Messages received and not yet acknowledged (held, plus those whose dead letter awaits the broker's PUBACK). */
  get unacked(): number {
    return this.unackedNow;
  }

  /**
   * `finished`: done before the reconnect, acknowledge it now (forgotten
   * here); `in-progress`: a redelivery of a message still being worked on.
   */
  arrival(messageId: number): Arrival {
    if (this.ackOnRedelivery.delete(messageId)) return 'finished';
    if (this.byId.has(messageId)) return 'in-progress';
    return 'new';
  }

  /** Holds a message until the `functions` it goes to are done with it. */
  hold(topic: string, payload: Buffer, messageId: number | undefined, functions: number): HeldMessage {
    const m: HeldMessage = { topic, payload, messageId, epoch: this.epoch, open: functions, deadPending: 0 };
    if (messageId !== undefined) this.byId.set(messageId, m);
    this.heldNow++;
    if (this.heldNow > this.maxHeldNow) this.maxHeldNow = this.heldNow;
    this.setUnacked(1);
    return m;
  }

  /** One function is done with `m`; true when it was the last, which frees its slot in the window. */
  functionDone(m: HeldMessage): boolean {
    m.open--;
    if (m.open > 0) return false;
    this.heldNow--;
    return true;
  }

  deadLetterSent(m: HeldMessage): void {
    m.deadPending++;
  }

  deadLetterAcknowledged(m: HeldMessage): void {
    m.deadPending--;
    this.maybeAck(m);
  }

  /** Acknowledges `m` once nothing is left to do for it. */
  maybeAck(m: HeldMessage): void {
    if (m.open > 0 || m.deadPending > 0) return;
    this.setUnacked(-1);
    const id = m.messageId;
    if (id === undefined || m.epoch !== this.epoch) return;
    if (this.byId.get(id) === m) this.byId.delete(id);
    if (!this.deps.puback(id)) this.ackOnRedelivery.add(id);
  }

  /**
   * A connection was accepted. Without `sessionPresent` (after a first
   * session) the broker forgot the messages in progress: their PUBACKs
   * would name packet ids of the new session. Returns how many were lost.
   */
  sessionStarted(sessionPresent: boolean): number {
    let lost = 0;
    if (!sessionPresent && this.hadSession) {
      lost = this.byId.size + this.ackOnRedelivery.size;
      this.epoch++;
      this.byId.clear();
      this.ackOnRedelivery.clear();
    }
    this.hadSession = true;
    return lost;
  }

  private setUnacked(delta: number): void {
    this.unackedNow += delta;
    this.deps.setUnacked(this.unackedNow);
  }
}
