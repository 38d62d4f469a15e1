import MemoryPersistence, { type ClientRef, type QueuedPacket, type StoredSubscription } from 'aedes-persistence/asyncPersistence.js';
import type { BatchOperation, Level } from 'level';
import { Readable } from 'node:stream';
import { decodePacket, decodeSubscription, encodePacket, encodeSubscription, OUTGOING_SUBLEVEL, outgoingKey, SUBSCRIPTIONS_SUBLEVEL, subscriptionKey } from './mirror-records.js';
import { OrderedBatchWriter } from './ordered-batch-writer.js';
import { OutgoingQueues } from './outgoing-queues.js';
import { QueuedKeys } from './queued-keys.js';

type MirrorOp = BatchOperation<Level<string, string>, string, string | Uint8Array>;

/** What setup() gets: the Aedes instance, whose id and counter stamp every message of this run. */
interface AedesRef {
  readonly id: string;
  counter: number;
}

/** A queued message read from disk, waiting for setup() to give it this run's identity. */
interface Restored {
  readonly clientId: string;
  readonly key: string;
  readonly packet: QueuedPacket;
}

/**
 * Aedes' in-memory persistence, with what must survive a restart mirrored
 * to LevelDB: the subscriptions of persistent sessions (Aedes stores no
 * others) and the QoS 1/2 messages queued for them.
 *
 * Memory is the source of truth while the broker runs. Aedes looks a
 * message up in the queue right after enqueueing it and skips the delivery
 * if it is not there yet; a store that answers from memory always has it,
 * where aedes-persistence-level sometimes did not and left messages queued
 * until the subscriber reconnected. The disk is read only at start
 * (restore() and setup()).
 *
 * Every mirror write goes through one OrderedBatchWriter. A message is
 * written before it enters the in-memory queue, so before Aedes delivers
 * it. A removal (PUBACK) is not waited for: if it is lost the message is
 * delivered once more after a restart, never lost.
 */
export class MirroredPersistence extends MemoryPersistence {
  readonly #subscriptions;
  readonly #outgoing;
  readonly #writer: OrderedBatchWriter<MirrorOp>;
  readonly #queued = new QueuedKeys();
  /** The outgoing queues live here, indexed, instead of in the parent's arrays. */
  readonly #queues = new OutgoingQueues();
  readonly #onError: (e: unknown) => void;
  /** Next queue sequence number: after every one on disk. */
  #seq = 0;
  #restored: Restored[] = [];

  /** `onError` hears about queue writes that failed to reach the disk (the broker goes on without them). */
  constructor(db: Level<string, string>, onError: (e: unknown) => void) {
    super();
    this.#subscriptions = db.sublevel<string, string>(SUBSCRIPTIONS_SUBLEVEL, { valueEncoding: 'utf8' });
    this.#outgoing = db.sublevel<string, Uint8Array>(OUTGOING_SUBLEVEL, { valueEncoding: 'view' });
    // Each op names its sublevel, which encodes its own values; the root's type knows only strings.
    this.#writer = new OrderedBatchWriter<MirrorOp>((ops) => db.batch(ops as Array<BatchOperation<Level<string, string>, string, string>>));
    this.#onError = onError;
  }

  /**
   * Reads the mirror, before Aedes starts: subscriptions go into memory now,
   * each client's queue, in order, when Aedes calls setup() (before it
   * accepts connections).
   */
  async restore(): Promise<void> {
    const sessions = new Map<string, StoredSubscription[]>();
    for await (const [key, value] of this.#subscriptions.iterator()) {
      const { clientId, sub } = decodeSubscription(key, value);
      const subs = sessions.get(clientId);
      if (subs) subs.push(sub);
      else sessions.set(clientId, [sub]);
    }
    for (const [id, subs] of sessions) await super.addSubscriptions({ id }, subs);

    for await (const [key, value] of this.#outgoing.iterator()) {
      const { clientId, seq, packet } = decodePacket(key, value);
      this.#restored.push({ clientId, key, packet: { cmd: 'publish', ...packet } });
      this.#seq = Math.max(this.#seq, seq + 1);
    }
  }

  override async setup(broker: AedesRef): Promise<void> {
    await super.setup(broker);
    // Restored messages become this run's. The queue finds an entry by brokerId and
    // brokerCounter, and aedes-persistence overwrites an entry of another brokerId that
    // happens to hold the messageId a live message is being sent with.
    for (const { clientId, key, packet } of this.#restored.splice(0)) {
      const queued: QueuedPacket = { ...packet, brokerId: broker.id, brokerCounter: ++broker.counter };
      this.#queued.add(clientId, queued, key);
      this.#queues.enqueue(clientId, queued);
    }
  }

  override async addSubscriptions(client: ClientRef, subs: StoredSubscription[]): Promise<void> {
    const written = this.#writer.write(subs.map((s) => this.#put(this.#subscriptions, subscriptionKey(client.id, s.topic), encodeSubscription(s))));
    await super.addSubscriptions(client, subs);
    await written;
  }

  override async removeSubscriptions(client: ClientRef, topics: string[]): Promise<void> {
    const written = this.#writer.write(topics.map((t) => this.#del(this.#subscriptions, subscriptionKey(client.id, t))));
    await super.removeSubscriptions(client, topics);
    await written;
  }

  override async cleanSubscriptions(client: ClientRef): Promise<void> {
    // Aedes calls this on every clean-session CONNECT (each device's); only a session that had subscriptions costs a write.
    const subs = await super.subscriptionsByClient(client);
    const written = subs.length > 0 ? this.#writer.write(subs.map((s) => this.#del(this.#subscriptions, subscriptionKey(client.id, s.topic)))) : undefined;
    await super.cleanSubscriptions(client);
    await written;
  }

  override outgoingEnqueue(sub: { clientId: string }, packet: QueuedPacket): Promise<void> {
    return this.outgoingEnqueueCombi([sub], packet);
  }

  override async outgoingEnqueueCombi(subs: ReadonlyArray<{ clientId: string }>, packet: QueuedPacket): Promise<void> {
    if (subs.length === 0) return;
    const value = encodePacket(packet);
    const keys = subs.map(({ clientId }) => outgoingKey(clientId, this.#seq++));
    // On disk first, in memory after, then Aedes delivers it live. Nothing can remove an entry
    // before it is in memory, so its delete always queues behind this put. And a subscriber
    // reconnecting meanwhile does not find it in the queue Aedes replays while it is also
    // delivered live: Aedes would send it twice and, when the live copy is acknowledged
    // first, fail the replay with 'no such packet' and drop the connection.
    try {
      await this.#writer.write(keys.map((key) => this.#put(this.#outgoing, key, value)));
    } catch (e) {
      // Aedes has already sent the publisher its PUBACK: deliver the message, if not durably.
      this.#onError(e);
    }
    subs.forEach(({ clientId }, i) => {
      this.#queued.add(clientId, packet, keys[i]!);
      this.#queues.enqueue(clientId, packet);
    });
  }

  override async outgoingUpdate(client: ClientRef, packet: QueuedPacket): Promise<void> {
    this.#queues.update(client.id, packet);
    this.#queued.sent(client.id, packet);
  }

  override async outgoingClearMessageId(client: ClientRef, packet: QueuedPacket): Promise<QueuedPacket | undefined> {
    const removed = this.#queues.clearMessageId(client.id, packet);
    const key = removed && this.#queued.take(client.id, removed);
    // Not awaited: the PUBACK needs no answer, and a lost delete costs one more delivery after a restart.
    if (key !== undefined) this.#writer.write([this.#del(this.#outgoing, key)]).catch(this.#onError);
    return removed;
  }

  override outgoingStream(client: ClientRef): Readable {
    return Readable.from(this.#queues.list(client.id));
  }

  /** Lets the mirror writes in flight land; the caller closes the database after. */
  override async destroy(): Promise<void> {
    await this.#writer.flushed();
    await super.destroy();
  }

  #put(sublevel: MirrorOp['sublevel'], key: string, value: string | Uint8Array): MirrorOp {
    return { type: 'put', sublevel, key, value };
  }

  #del(sublevel: MirrorOp['sublevel'], key: string): MirrorOp {
    return { type: 'del', sublevel, key };
  }
}
