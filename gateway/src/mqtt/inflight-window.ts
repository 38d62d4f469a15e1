import type { IPublishPacket } from 'mqtt';
import type { createRateLimitedLog } from '@typedcluster/core';
import { DEFERRED, type Done } from './acking-client.js';
import type { FunctionLane } from './function-lane.js';
import type { HeldMessage, HeldMessages } from './held-messages.js';
import type { BatchKind, Routes } from './routes.js';
import type { StallKeepalive } from './stall-keepalive.js';

export interface InflightWindowDeps {
  readonly held: HeldMessages;
  /** MQTT_INFLIGHT: the most messages held at once. */
  readonly inflight: number;
  readonly routes: () => Routes;
  readonly laneFor: (fn: string, batch: BatchKind | undefined) => FunctionLane<HeldMessage>;
  readonly keepalive: StallKeepalive;
  readonly warnLimited: ReturnType<typeof createRateLimitedLog>;
  readonly isStopping: () => boolean;
}

export interface ParkedMessage {
  readonly packet: IPublishPacket;
  readonly done: Done;
}

export interface InflightWindow {
  /** MQTT.js's `handleMessage`. */
  onPublish(packet: IPublishPacket, done: Done): void;
  /** A held message is done with: admits the parked one if there is room. */
  slotFreed(): void;
  /** Lets go of the parked message (not acknowledged) and returns it. */
  unpark(): ParkedMessage | undefined;
}

/** Intake: hands arriving messages to their functions' lanes, at most `inflight` at once. */
export function createInflightWindow(deps: InflightWindowDeps): InflightWindow {
  const { held, keepalive, warnLimited } = deps;
  /** The message that arrived with the window full: worked on when a slot frees; MQTT.js reads nothing more meanwhile. */
  let parked: ParkedMessage | undefined;

  function onPublish(packet: IPublishPacket, done: Done): void {
    if (deps.isStopping()) return done(DEFERRED); // not acknowledged: the broker gives it to the next session
    const id = packet.qos > 0 ? packet.messageId : undefined;
    if (id !== undefined) {
      const arrival = held.arrival(id);
      if (arrival === 'finished') return done(); // finished before the reconnect: MQTT.js acknowledges it now
      if (arrival === 'in-progress') return done(DEFERRED); // a redelivery of a message still in progress
    }
    if (held.held >= deps.inflight) {
      parked = { packet, done };
      keepalive.start();
      return;
    }
    admit(packet, done);
  }

  function admit(packet: IPublishPacket, done: Done): void {
    const topic = packet.topic;
    const fns = deps.routes().match(topic);
    if (fns.length === 0) {
      warnLimited(`unrouted:${topic}`, 'no function has this topic; acknowledged without invoking anything', { topic });
      return done();
    }
    const id = packet.qos > 0 ? packet.messageId : undefined;
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    const m = held.hold(topic, payload, id, fns.length);
    done(DEFERRED);
    for (const f of fns) deps.laneFor(f.name, f.batch).add(m);
  }

  return {
    onPublish,
    slotFreed() {
      if (!parked || held.held >= deps.inflight) return;
      const p = parked;
      parked = undefined;
      keepalive.stop();
      // Not from inside the lane that just finished a message.
      queueMicrotask(() => (deps.isStopping() ? p.done(DEFERRED) : admit(p.packet, p.done)));
    },
    unpark() {
      const p = parked;
      parked = undefined;
      keepalive.stop();
      return p;
    },
  };
}
