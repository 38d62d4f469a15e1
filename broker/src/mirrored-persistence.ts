import MemoryPersistence, { type ClientRef, type QueuedPacket, type StoredSubscription } from 'aedes-persistence/asyncPersistence.js';
import type { Level } from 'level';
import { Readable } from 'node:stream';
import { migrateLevelOutgoing } from './migrate-level-outgoing.js';
import { decodePacket, decodeSubscription, encodePacket, encodeSubscription, outgoingKey, SUBSCRIPTIONS_SUBLEVEL, subscriptionKey } from './mirror-records.js';
import { OrderedBatchWriter } from './ordered-batch-writer.js';
import { OutgoingLog, type OutgoingLogOptions } from './outgoing-log.js';
import type { LogOp } from './outgoing-log-records.js';
import { OutgoingQueues } from './outgoing-queues.js';
import { QueuedKeys } from './queued-keys.js';

type SubscriptionOp = { type: 'put'; key: string; value: string } | { type: 'del'; key: string };

export interface MirroredPersistenceOptions extends OutgoingLogOptions {
  /** The queued messages' log file, in the store's directory (OutgoingLog). */
  readonly outgoingLogPath: string;
  /** Hears about queue writes that failed to reach the disk (the broker goes on without them). */
  readonly onError: (e: unknown) => void;
}

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
 * to disk: the subscriptions of persistent sessions (Aedes stores no
 * others) to LevelDB, rarely written, and the QoS 1/2 messages queued for
 * them, a write per message and a delete per PUBACK, to an append-only
 * log (OutgoingLog), which costs a fraction of LevelDB's CPU.
 *
 * Memory is the source of truth while the broker runs. Aedes looks a
 * message up in the queue right after enqueueing it and skips the delivery
 * if it is not there yet; a store that answers from memory always has it,
 * where aedes-persistence-level sometimes did not and left messages queued
 * until the subscriber reconnected. The disk is read only at start
 * (restore() and setup()).
 *
 * Each store's writes go through one OrderedBatchWriter, so a delete never
 * overtakes its put. A message is written before it enters the in-memory
 * queue, so before Aedes delivers it. A removal (PUBACK) is not waited
 * for: if it is lost the message is delivered once more after a restart,
 * never lost. Neither store fsyncs a batch: a process crash loses nothing
 * written, a power loss may lose the last moment's writes.
 */
export class MirroredPersistence extends MemoryPersistence {
  readonly #db: Level<string, string>;
  readonly #subscriptions;
  readonly #subscriptionWriter: OrderedBatchWriter<SubscriptionOp>;
  readonly #options: MirroredPersistenceOptions;
  /** Opened by restore(). */
  #log: OutgoingLog | undefined;
  readonly #logWriter: OrderedBatchWriter<LogOp>;
  readonly #queued = new QueuedKeys();
  /** The outgoing queues live here, indexed, instead of in the parent's arrays. */
  readonly #queues = new OutgoingQueues();
  readonly #onError: (e: unknown) => void;
  /** Next queue sequence number: after every one on disk. */
  #seq = 0;
  #restored: Restored[] = [];

  constructor(db: Level<string, string>, options: MirroredPersistenceOptions) {
    super();
    this.#db = db;
    this.#subscriptions = db.sublevel<string, string>(SUBSCRIPTIONS_SUBLEVEL, { valueEncoding: 'utf8' });
    this.#subscriptionWriter = new OrderedBatchWriter<SubscriptionOp>((ops) => this.#subscriptions.batch(ops));
    this.#logWriter = new OrderedBatchWriter<LogOp>((ops) => this.#openLog().commit(ops));
    this.#options = options;
    this.#onError = options.onError;
  }

  /**
   * Reads the mirror, before Aedes starts: subscriptions go into memory now,
   * each client's queue, in order, when Aedes calls setup() (before it
   * accepts connections). Queued messages a broker before the log left in
   * LevelDB are moved into the log first.
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

    const { log, entries } = await OutgoingLog.open(this.#options.outgoingLogPath, this.#options);
    this.#log = log;
    try {
      for (const list of [entries, await migrateLevelOutgoing(this.#db, log)]) {
        for (const { key, value } of list) {
          const { clientId, seq, packet } = decodePacket(key, value);
          this.#restored.push({ clientId, key, packet: { cmd: 'publish', ...packet } });
          this.#seq = Math.max(this.#seq, seq + 1);
        }
      }
    } catch (e) {
      // The caller closes the database and stops the start; the log is ours to close.
      await log.close().catch(() => undefined);
      throw e;
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
    const written = this.#subscriptionWriter.write(subs.map((s) => ({ type: 'put', key: subscriptionKey(client.id, s.topic), value: encodeSubscription(s) })));
    await super.addSubscriptions(client, subs);
    await written;
  }

  override async removeSubscriptions(client: ClientRef, topics: string[]): Promise<void> {
    const written = this.#subscriptionWriter.write(topics.map((t) => ({ type: 'del', key: subscriptionKey(client.id, t) })));
    await super.removeSubscriptions(client, topics);
    await written;
  }

  override async cleanSubscriptions(client: ClientRef): Promise<void> {
    // Aedes calls this on every clean-session CONNECT (each device's); only a session that had subscriptions costs a write.
    const subs = await super.subscriptionsByClient(client);
    const written = subs.length > 0 ? this.#subscriptionWriter.write(subs.map((s) => ({ type: 'del', key: subscriptionKey(client.id, s.topic) }))) : undefined;
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
      await this.#logWriter.write(keys.map((key) => ({ type: 'put', key, value })));
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
    if (key !== undefined) this.#logWriter.write([{ type: 'del', key }]).catch(this.#onError);
    return removed;
  }

  override outgoingStream(client: ClientRef): Readable {
    return Readable.from(this.#queues.list(client.id));
  }

  /** Lets the mirror writes in flight land and closes the log (fsync); the caller closes the database after. */
  override async destroy(): Promise<void> {
    await this.#subscriptionWriter.flushed();
    await this.#logWriter.flushed();
    await this.#log?.close();
    await super.destroy();
  }

  #openLog(): OutgoingLog {
    if (!this.#log) throw new Error('the outgoing log is not open: restore() first');
    return this.#log;
  }
}
