import type { QueuedPacket } from 'aedes-persistence/asyncPersistence.js';
import aedesPacket from 'aedes-packet';

/** aedes-packet's constructor, the copy Aedes' own stores make; its typings declare a namespace. */
const Packet = aedesPacket as unknown as new (original: QueuedPacket) => QueuedPacket;

/**
 * The clients' outgoing queues (QoS 1/2 messages waiting for their
 * acknowledgement), with the semantics of aedes-persistence's in-memory
 * store but indexed. That store keeps an array per client and scans it on
 * every send and every PUBACK, and splices the array: with the gateway's
 * window of thousands of unacknowledged messages, the scans took a fifth
 * of the broker's CPU (bench/README.md, "where the time goes").
 *
 * Entries keep queue order in a Map keyed by an entry number that only
 * grows; two indexes find an entry by identity (brokerId, brokerCounter)
 * and by the messageId it was sent with. Where several entries match, the
 * one earliest in the queue wins, as in the scan it replaces.
 */
export class OutgoingQueues {
  readonly #queues = new Map<string, ClientQueue>();

  enqueue(clientId: string, packet: QueuedPacket): void {
    let q = this.#queues.get(clientId);
    if (!q) this.#queues.set(clientId, (q = new ClientQueue()));
    // A copy, as the in-memory store makes: it drops the messageId of the publisher's packet.
    q.add(new Packet(packet));
  }

  /**
   * Records the messageId a queued PUBLISH is sent with (first entry with
   * its brokerId and brokerCounter), or puts `packet` in place of the first
   * entry of another broker sent with the same messageId. Throws
   * 'no such packet' otherwise, as aedes-persistence does.
   */
  update(clientId: string, packet: QueuedPacket): void {
    const q = this.#queues.get(clientId);
    if (!q || !q.update(packet)) throw new Error('no such packet');
  }

  /** Removes and returns the first entry sent with packet.messageId. */
  clearMessageId(clientId: string, packet: QueuedPacket): QueuedPacket | undefined {
    const q = this.#queues.get(clientId);
    const removed = q?.clear(packet.messageId);
    if (q?.size === 0) this.#queues.delete(clientId);
    return removed;
  }

  /** A snapshot, in queue order. */
  list(clientId: string): QueuedPacket[] {
    return this.#queues.get(clientId)?.list() ?? [];
  }
}

class ClientQueue {
  #next = 0;
  readonly #entries = new Map<number, QueuedPacket>();
  /** identity → entry numbers, ascending. */
  readonly #byIdentity = new Map<string, number[]>();
  /** messageId → entry numbers sent with it, ascending. */
  readonly #byMessageId = new Map<number, number[]>();

  get size(): number {
    return this.#entries.size;
  }

  add(packet: QueuedPacket): void {
    const n = this.#next++;
    this.#entries.set(n, packet);
    push(this.#byIdentity, identity(packet), n);
    if (packet.messageId !== undefined) push(this.#byMessageId, packet.messageId, n);
  }

  update(packet: QueuedPacket): boolean {
    const same = first(this.#byIdentity.get(identity(packet)));
    const other = this.#firstOfOtherBroker(packet);
    if (same === undefined && other === undefined) return false;
    if (same !== undefined && (other === undefined || same < other)) {
      const entry = this.#entries.get(same)!;
      this.#setMessageId(same, entry, packet.messageId);
      entry.messageId = packet.messageId;
      return true;
    }
    const old = this.#entries.get(other!)!;
    this.#unindex(other!, old);
    this.#entries.set(other!, packet);
    push(this.#byIdentity, identity(packet), other!);
    if (packet.messageId !== undefined) push(this.#byMessageId, packet.messageId, other!);
    return true;
  }

  clear(messageId: number | undefined): QueuedPacket | undefined {
    if (messageId === undefined) return undefined;
    const n = first(this.#byMessageId.get(messageId));
    if (n === undefined) return undefined;
    const entry = this.#entries.get(n)!;
    this.#unindex(n, entry);
    this.#entries.delete(n);
    return entry;
  }

  list(): QueuedPacket[] {
    return [...this.#entries.values()];
  }

  #firstOfOtherBroker(packet: QueuedPacket): number | undefined {
    if (packet.messageId === undefined) return undefined;
    return this.#byMessageId.get(packet.messageId)?.find((n) => this.#entries.get(n)?.brokerId !== packet.brokerId);
  }

  #setMessageId(n: number, entry: QueuedPacket, messageId: number | undefined): void {
    if (entry.messageId !== undefined) remove(this.#byMessageId, entry.messageId, n);
    if (messageId !== undefined) push(this.#byMessageId, messageId, n);
  }

  #unindex(n: number, entry: QueuedPacket): void {
    remove(this.#byIdentity, identity(entry), n);
    if (entry.messageId !== undefined) remove(this.#byMessageId, entry.messageId, n);
  }
}

function identity(p: QueuedPacket): string {
  return `${p.brokerId ?? ''}\n${p.brokerCounter ?? ''}`;
}

const first = (list: readonly number[] | undefined): number | undefined => list?.[0];

/** Keeps each list ascending: entry numbers are mostly pushed in order, so this is O(1) in practice. */
function push<K>(map: Map<K, number[]>, key: K, n: number): void {
  const list = map.get(key);
  if (!list) {
    map.set(key, [n]);
    return;
  }
  let i = list.length;
  while (i > 0 && list[i - 1]! > n) i--;
  list.splice(i, 0, n);
}

function remove<K>(map: Map<K, number[]>, key: K, n: number): void {
  const list = map.get(key);
  if (!list) return;
  const i = list.indexOf(n);
  if (i >= 0) list.splice(i, 1);
  if (list.length === 0) map.delete(key);
}
