// aedes-persistence's `main` wraps its in-memory store in a callback adapter,
// which Aedes 1.x rejects (it wants an async setup()), and its shipped types
// describe that adapter. We extend the async class directly; this declares the
// part of it we call or override. Retained messages, wills and QoS 2 incoming
// packets are inherited untouched.
declare module 'aedes-persistence/asyncPersistence.js' {
  import type { Readable } from 'node:stream';

  /** A session's subscription as Aedes hands it over and gets it back on reconnect. */
  export interface StoredSubscription {
    topic: string;
    qos: number;
    rh?: number;
    rap?: boolean;
    nl?: boolean;
  }

  /**
   * An entry in a client's outgoing queue: a QoS 1/2 PUBLISH (an aedes-packet
   * Packet), or the PUBREL that replaces it in a QoS 2 flow. brokerId and
   * brokerCounter identify a PUBLISH; messageId is set once it is sent.
   */
  export interface QueuedPacket {
    cmd: string;
    topic?: string;
    payload?: Buffer | string;
    qos?: number;
    retain?: boolean;
    brokerId?: string;
    brokerCounter?: number;
    messageId?: number;
  }

  /** Aedes passes its Client; only the id is read. */
  export interface ClientRef {
    readonly id: string;
  }

  export default class MemoryPersistence {
    constructor(opts?: { broadcastSubscriptions?: boolean });
    setup(broker: unknown): Promise<void>;
    addSubscriptions(client: ClientRef, subs: StoredSubscription[]): Promise<void>;
    removeSubscriptions(client: ClientRef, topics: string[]): Promise<void>;
    subscriptionsByClient(client: ClientRef): Promise<StoredSubscription[]>;
    cleanSubscriptions(client: ClientRef): Promise<void>;
    subscriptionsByTopic(topic: string): Promise<Array<StoredSubscription & { clientId: string }>>;
    outgoingEnqueue(sub: { clientId: string }, packet: QueuedPacket): Promise<void>;
    outgoingEnqueueCombi(subs: ReadonlyArray<{ clientId: string }>, packet: QueuedPacket): Promise<void>;
    /** Records the messageId a queued PUBLISH was sent with, or swaps in a PUBREL; throws 'no such packet'. */
    outgoingUpdate(client: ClientRef, packet: QueuedPacket): Promise<void>;
    /** Removes the first queued entry with packet.messageId and returns it. */
    outgoingClearMessageId(client: ClientRef, packet: QueuedPacket): Promise<QueuedPacket | undefined>;
    outgoingStream(client: ClientRef): Readable;
    /** Throws when called twice. */
    destroy(): Promise<void>;
  }
}
