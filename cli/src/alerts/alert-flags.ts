import { join } from 'node:path';
import { parseDurationMs } from '@typedcluster/core';
import { DEFAULT_MQTT_PORT } from '@typedcluster/broker';
import type { Io } from '../command.js';
import { MQTT_PROTOCOLS, defaultMqttUrl, flagError, flagString, urlWithProtocol } from '../flag-values.js';

/** The flags of `typedcluster alerts`, checked and converted. */
export interface AlertFlags {
  readonly api: string;
  readonly token: string | undefined;
  readonly intervalMs: number;
  readonly overlapMs: number;
  /** undefined: no MQTT sink (`--mqtt-url none`). */
  readonly mqttUrl: string | undefined;
  readonly webhook: string | undefined;
  readonly statePath: string;
}

export const DEFAULT_API_URL = 'http://127.0.0.1:8080/api';

/** Checks every flag; an error is one line naming the flag. `home` is $TYPEDCLUSTER_HOME, resolved. */
export function parseAlertFlags(values: Record<string, string | boolean | undefined>, env: Io['env'], home: string): { ok: true; value: AlertFlags } | { ok: false; error: string } {
  const str = (k: string) => flagString(values, k);
  const bad = flagError;
  const http = new Set(['http:', 'https:']);

  const api = str('api') ?? DEFAULT_API_URL;
  if (!urlWithProtocol(api, http)) return bad(`--api ${api} is not an http(s) URL such as ${DEFAULT_API_URL}`);
  const intervalMs = parseDurationMs(str('interval') ?? '');
  if (intervalMs === undefined || intervalMs < 100) return bad(`--interval ${str('interval')} is not a duration of at least 100ms, such as 5s`);
  const overlapMs = parseDurationMs(str('overlap') ?? '');
  if (overlapMs === undefined || overlapMs < 1000) return bad(`--overlap ${str('overlap')} is not a duration of at least 1s, such as 2m`);
  const mqttFlag = str('mqtt-url') ?? defaultMqttUrl(env);
  const mqttUrl = mqttFlag === 'none' ? undefined : mqttFlag;
  if (mqttUrl !== undefined && !urlWithProtocol(mqttUrl, MQTT_PROTOCOLS)) return bad(`--mqtt-url ${mqttUrl} is not an MQTT URL such as mqtt://127.0.0.1:${DEFAULT_MQTT_PORT} (or "none")`);
  const webhook = str('webhook');
  if (webhook !== undefined && !urlWithProtocol(webhook, http)) return bad(`--webhook ${webhook} is not an http(s) URL`);
  const token = str('token');
  if (token !== undefined && !/^[\w-]+\.[\w-]+\.[\w-]*$/.test(token)) return bad('--token is not a JWT (three base64url parts separated by dots)');
  return { ok: true, value: { api, token, intervalMs, overlapMs, mqttUrl, webhook, statePath: str('state') ?? join(home, 'alerts', 'state.json') } };
}
