import {
  createDeviceSender,
  openOutbox,
  sodiumReady,
  startMqttDeviceLink,
  systemRandom,
  TOPICS,
  type CycleInput,
  type DeviceCredentials,
  type Logger,
  type MqttDeviceLink,
  type RandomSource,
} from '@typedcluster/core';

export interface CycleUplinkOptions {
  /** The polled PLC's device (with its mqttPassword): the poller speaks for it. */
  readonly credentials: DeviceCredentials;
  readonly mqttUrl: string;
  /** This device's outbox folder. */
  readonly outboxDir: string;
  readonly log: Logger;
  readonly outboxMaxBytes?: number;
  readonly now?: () => number;
  readonly random?: RandomSource;
}

export interface CycleUplink {
  /** Seals the cycle into a CYCLE frame and stores it in the outbox; rejects when the outbox refuses it (full). */
  send(cycle: CycleInput): Promise<void>;
  readonly stats: { readonly published: number; readonly buffered: number; readonly connected: boolean };
  drained(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

const SESSION_MAX_AGE_MS = 24 * 3600 * 1000; // wire-format §3.5: rotate at least daily

/**
 * The poller's way into the pipeline, the same as any PLC's
 * (docs/modbus.md §6): a SESSION frame, then sealed CYCLE frames, through
 * an on-disk outbox and an MQTT link to `plc/{id}/cycle` with QoS 1. So
 * verification, storage, idempotency and store-and-forward while the broker
 * or the platform is away are the ones every device has.
 */
export async function openCycleUplink(o: CycleUplinkOptions): Promise<CycleUplink> {
  await sodiumReady();
  const now = o.now ?? Date.now;
  const sender = createDeviceSender({ credentials: o.credentials, random: o.random ?? systemRandom, now });
  const outbox = await openOutbox(o.outboxDir, o.outboxMaxBytes === undefined ? {} : { maxBytes: o.outboxMaxBytes });
  let link: MqttDeviceLink | undefined;
  const append = async (frame: Uint8Array) => {
    const r = await outbox.append(frame);
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    link?.notify();
  };
  try {
    if (outbox.recovered.records > 0) o.log.info('outbox holds frames from an earlier run; they go first', { device: o.credentials.deviceId, frames: outbox.recovered.records });
    await append(sender.sessionFrame());
  } catch (e) {
    await outbox.close();
    throw e;
  }
  let sessionAt = now();
  link = startMqttDeviceLink({ url: o.mqttUrl, credentials: o.credentials, topic: TOPICS.plcCycle(o.credentials.deviceId), outbox, log: o.log });
  const l = link;
  return {
    async send(cycle) {
      if (now() - sessionAt >= SESSION_MAX_AGE_MS) {
        sessionAt = now();
        await append(sender.rotate());
      }
      await append(sender.cycleFrame(cycle));
    },
    get stats() {
      return { published: l.stats.published, buffered: outbox.size, connected: l.stats.connected };
    },
    drained: (ms) => l.drained(ms),
    async close() {
      await l.close(1000);
      await outbox.close();
    },
  };
}
