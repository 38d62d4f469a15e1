import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLogger, phaseModelOf } from '@typedcluster/core';
import { ALERT_CLIENT_USERNAME } from '@typedcluster/broker';
import mqtt from 'mqtt';
import { Registry } from 'prom-client';
import { readCliConfig } from '../cli-config.js';
import type { Io } from '../command.js';
import { parseAlertFlags } from './alert-flags.js';
import { createAlertMetrics } from './alert-metrics.js';
import { abortableSleep, createAlertPoller } from './alert-poller.js';
import { consoleSink, mqttSink, webhookSink, type AlertSink } from './alert-sinks.js';
import { createRestReader } from './rest-reader.js';

/** The secret holding the MQTT password of user alert-client (docs/topics.md §Authentication). */
export const ALERT_CLIENT_PASSWORD_SECRET = 'mqtt-alert-client-password';

/**
 * `typedcluster alerts` with its stop signal injected (Ctrl-C in the
 * command): checks the flags, opens the sinks, polls until stopped.
 * The API being down, a bad token or URL are not fatal: they are said in
 * one line and retried, so the client can start before the platform.
 */
export async function runAlerts(values: Record<string, string | boolean | undefined>, io: Io, stop: AbortSignal, fetchFn: typeof fetch = fetch): Promise<number> {
  const config = readCliConfig(io.env, io.cwd);
  const flags = parseAlertFlags(values, io.env, config.home);
  if (!flags.ok) {
    io.err(flags.error);
    return 2;
  }
  const f = flags.value;
  const log = createLogger('alerts', { level: config.logLevel, sink: io.err });
  const sinks: AlertSink[] = [consoleSink(io.out)];
  if (f.mqttUrl) {
    const passwordFile = join(config.secretsDir, ALERT_CLIENT_PASSWORD_SECRET);
    const password = await readFile(passwordFile, 'utf8').then((s) => s.trim(), () => undefined);
    if (password === undefined) {
      io.err(`error: no MQTT password for user ${ALERT_CLIENT_USERNAME} in ${passwordFile}: start the platform once ("typedcluster up" creates it), or pass --mqtt-url none`);
      return 2;
    }
    const client = mqtt.connect(f.mqttUrl, { username: ALERT_CLIENT_USERNAME, password, clientId: `typedcluster-alert-client`, clean: true, reconnectPeriod: 2000 });
    let said = '';
    client.on('error', (e) => e.message !== said && log.warn(`MQTT: ${(said = e.message)}; reconnecting`));
    client.on('connect', () => (said = ''));
    sinks.push(mqttSink(client, 10_000, () => client.endAsync()));
  }
  if (f.webhook) sinks.push(webhookSink(f.webhook, fetchFn));

  const poller = await createAlertPoller({
    read: createRestReader({ api: f.api, ...(f.token ? { token: f.token } : {}), fetch: fetchFn }),
    sinks,
    statePath: f.statePath,
    model: phaseModelOf(io.env),
    intervalMs: f.intervalMs,
    overlapMs: f.overlapMs,
    now: Date.now,
    sleep: abortableSleep,
    log,
    metrics: createAlertMetrics(new Registry()),
  });
  io.out(`watching ${f.api} every ${f.intervalMs / 1000} s; alerts to ${sinks.map((s) => s.name).join(', ')}; state in ${f.statePath}`);
  try {
    await poller.run(stop);
  } finally {
    for (const s of sinks) await s.close?.();
  }
  return 0;
}
