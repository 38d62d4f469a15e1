import { DEFAULT_MQTT_PORT } from '@typedcluster/broker';
import type { Io } from './command.js';

/** Flags as node:util parseArgs returns them. */
export type FlagValues = Record<string, string | boolean | undefined>;

/** A checked set of flags, or a one-line error naming the flag. */
export type ParsedFlags<T> = { ok: true; value: T } | { ok: false; error: string };

/** A string flag, trimmed; undefined when not given. */
export const flagString = (values: FlagValues, name: string): string | undefined => {
  const v = values[name];
  return typeof v === 'string' ? v.trim() : undefined;
};

/** A number flag in plain decimal (1, 0.5, 1e3); NaN when absent, empty or anything else ("0x10", "1k"). */
export const flagNumber = (values: FlagValues, name: string): number => {
  const s = flagString(values, name);
  return s === undefined || s === '' || !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s) ? NaN : Number(s);
};

/** The failed result, prefixed the way every command prints errors. */
export const flagError = (error: string) => ({ ok: false as const, error: `error: ${error}` });

/** `s` as a URL when it parses, has one of `protocols` and names a host; undefined otherwise. */
export const urlWithProtocol = (s: string, protocols: ReadonlySet<string>): URL | undefined => {
  try {
    const u = new URL(s);
    return protocols.has(u.protocol) && u.hostname ? u : undefined;
  } catch {
    return undefined;
  }
};

/** The schemes the mqtt client accepts. */
export const MQTT_PROTOCOLS: ReadonlySet<string> = new Set(['mqtt:', 'mqtts:', 'tcp:', 'ssl:', 'tls:', 'ws:', 'wss:']);

/** The default broker of a command: $MQTT_URL, else the embedded broker of `typedcluster up` ($MQTT_PORT). */
export const defaultMqttUrl = (env: Io['env']): string => env['MQTT_URL']?.trim() || `mqtt://127.0.0.1:${env['MQTT_PORT']?.trim() || DEFAULT_MQTT_PORT}`;
