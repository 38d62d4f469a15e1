import type { QueuedPacket } from 'aedes-persistence/asyncPersistence.js';

/**
 * Which mirror key holds which entry of a client's in-memory outgoing
 * queue, so that removing the entry (PUBACK, PUBCOMP, a clean session
 * draining its queue) deletes exactly its record on disk.
 *
 * The in-memory store copies packets, so an entry is recognised by what
 * the copy keeps: brokerId and brokerCounter, unique per broker run (one
 * message matching two of a client's filters is queued twice under the
 * same pair, hence a list of keys). A QoS 2 PUBLISH is replaced in the
 * queue by its PUBREL, which carries only the messageId, so for QoS 2 the
 * messageId it was sent with is remembered too.
 */
export class QueuedKeys {
  /** clientId → brokerId/brokerCounter → mirror keys, oldest first. */
  readonly #keys = new Map<string, Map<string, string[]>>();
  /** clientId → messageId → brokerId/brokerCounter, for QoS 2 PUBLISHes sent. */
  readonly #sentQos2 = new Map<string, Map<number, string>>();

  add(clientId: string, packet: QueuedPacket, key: string): void {
    const byPacket = getOrCreate(this.#keys, clientId, () => new Map<string, string[]>());
    getOrCreate(byPacket, identity(packet), () => []).push(key);
  }

  /** Aedes sent `packet` (outgoingUpdate succeeded): remember a QoS 2 one's messageId. */
  sent(clientId: string, packet: QueuedPacket): void {
    if (packet.cmd === 'publish' && packet.qos === 2 && packet.messageId !== undefined) {
      getOrCreate(this.#sentQos2, clientId, () => new Map<number, string>()).set(packet.messageId, identity(packet));
    }
  }

  /** The mirror key of the entry just removed from the queue, now forgotten; undefined if it had none. */
  take(clientId: string, removed: QueuedPacket): string | undefined {
    let id: string | undefined = identity(removed);
    if (removed.cmd === 'pubrel' && removed.messageId !== undefined) {
      const sent = this.#sentQos2.get(clientId);
      id = sent?.get(removed.messageId);
      sent?.delete(removed.messageId);
      if (sent?.size === 0) this.#sentQos2.delete(clientId);
    }
    const byPacket = this.#keys.get(clientId);
    const keys = id === undefined ? undefined : byPacket?.get(id);
    const key = keys?.shift();
    if (keys?.length === 0) byPacket!.delete(id!);
    if (byPacket?.size === 0) this.#keys.delete(clientId);
    return key;
  }
}

function identity(p: QueuedPacket): string {
  return `${p.brokerId ?? ''}\n${p.brokerCounter ?? ''}`;
}

function getOrCreate<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let v = map.get(key);
  if (v === undefined) map.set(key, (v = create()));
  return v;
}
