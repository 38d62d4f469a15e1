import {
  createDeviceSender,
  sampleNormalCycle,
  CYCLE_SECONDS,
  type DeviceCredentials,
  type Logger,
  type RandomSource,
} from '@typedcluster/core';

export interface DemoSenderOptions {
  readonly gatewayUrl: string;
  /** The first sends readings every second; the second (if any) sends a PLC cycle every 30 s. */
  readonly sensor: DeviceCredentials;
  readonly plc?: DeviceCredentials;
  readonly fetch: typeof fetch;
  readonly log: Logger;
  readonly now: () => number;
  readonly random: RandomSource;
  readonly uniform: () => number;
  readonly readingIntervalMs?: number;
}

export interface DemoSender {
  readonly stats: { sent: number; stored: number; rejected: number };
  stop(): Promise<void>;
}

/**
 * The built-in sender that `typedcluster up --demo` runs so readings flow
 * at once: one industrial sensor (temperature, pressure, humidity) and one
 * PLC whose cycles follow the typical phase model. It posts sealed frames to
 * ingest-binary exactly as a real device would, reopening its session when
 * the platform answers UNKNOWN_KEY.
 */
export function startDemoSender(o: DemoSenderOptions): DemoSender {
  const stats = { sent: 0, stored: 0, rejected: 0 };
  const url = `${o.gatewayUrl}/function/ingest-binary`;
  const sensor = createDeviceSender({ credentials: o.sensor, random: o.random, now: o.now });
  const plc = o.plc ? createDeviceSender({ credentials: o.plc, random: o.random, now: o.now }) : undefined;
  const open = new Set<object>();
  let temperature = 21;
  let cycle = 0;

  const post = async (frame: Uint8Array): Promise<string | undefined> => {
    stats.sent++;
    try {
      const res = await o.fetch(url, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: frame });
      const body = (await res.json().catch(() => ({}))) as { ok?: boolean; code?: string };
      if (res.ok) stats.stored++;
      else stats.rejected++;
      return body.ok ? undefined : (body.code ?? `HTTP_${res.status}`);
    } catch (e) {
      stats.rejected++;
      return `NETWORK: ${(e as Error).message}`;
    }
  };
  const send = async (dev: typeof sensor, frame: () => Uint8Array): Promise<void> => {
    if (!open.has(dev)) {
      const code = await post(dev.sessionFrame());
      if (code) return void o.log.warn('demo session not opened', { code });
      open.add(dev);
    }
    const code = await post(frame());
    if (code === 'UNKNOWN_KEY') open.delete(dev);
    else if (code) o.log.warn('demo frame rejected', { code });
  };

  const readingTimer = setInterval(() => {
    temperature += (o.uniform() - 0.5) * 0.4;
    void send(sensor, () => sensor.readingFrame({ ts: o.now(), temperature, pressure: 101.3 + (o.uniform() - 0.5), humidity: 45 + (o.uniform() - 0.5) * 4 }));
  }, o.readingIntervalMs ?? 1000);
  const sendCycle = () => {
    if (!plc) return;
    const cycleStart = o.now() - CYCLE_SECONDS * 1000;
    void send(plc, () => plc.cycleFrame({ cycleStart, cycle: cycle++, phases: sampleNormalCycle(o.uniform) }));
  };
  sendCycle();
  const cycleTimer = setInterval(sendCycle, CYCLE_SECONDS * 1000);

  return {
    stats,
    async stop() {
      clearInterval(readingTimer);
      clearInterval(cycleTimer);
    },
  };
}
