import { resolve } from 'node:path';
import type { SimStream } from '@typedcluster/core';
import { DEFAULT_MQTT_PORT } from '@typedcluster/broker';
import type { Io } from '../command.js';
import { MQTT_PROTOCOLS, defaultMqttUrl, flagError, flagNumber, flagString, urlWithProtocol, type FlagValues, type ParsedFlags } from '../flag-values.js';
import { modelFlag, plcsFlag, seedFlag, temperatureFlag } from './simulation-flags.js';

/** The flags of `typedcluster sim`, checked and converted (the outbox limit in bytes). */
export interface SimFlags {
  readonly plcs: number;
  readonly temperature: number;
  readonly speed: number;
  readonly seed: number | undefined;
  readonly stream: SimStream;
  readonly cycles: number | undefined;
  readonly mqttUrl: string;
  readonly outboxMaxBytes: number;
  /** Frames per MQTT message at most when a backlog is sent (wire-format §6.5); 1 = never bundle. */
  readonly bundle: number;
  readonly startTime: number | undefined;
  /** A data set file or folder to replay instead of generating (absolute), or undefined. */
  readonly replay: string | undefined;
  /** A plant's phase model file (absolute): --model, else $PHASE_MODEL_FILE; undefined = the built-in one. */
  readonly model: string | undefined;
}

/** Checks every flag; an error is one line saying what is wrong. */
export function parseSimFlags(values: FlagValues, env: Io['env'], cwd = process.cwd()): ParsedFlags<SimFlags> {
  const str = (k: string) => flagString(values, k);
  const num = (k: string) => flagNumber(values, k);
  const bad = flagError;

  const plcs = plcsFlag(values);
  if (!plcs.ok) return plcs;
  const temperature = temperatureFlag(values);
  if (!temperature.ok) return temperature;
  const speed = num('speed');
  if (!(Number.isFinite(speed) && speed > 0 && speed <= 1_000_000)) return bad(`--speed ${str('speed')} is not a number > 0 (at most 1000000)`);
  const seed = seedFlag(values);
  if (!seed.ok) return seed;
  const stream = str('stream');
  if (stream !== 'cycle' && stream !== 'reading') return bad(`--stream ${stream} is not "cycle" or "reading"`);
  let cycles: number | undefined;
  if (values['cycles'] !== undefined) {
    cycles = num('cycles');
    if (!(Number.isInteger(cycles) && cycles >= 1)) return bad(`--cycles ${str('cycles')} is not an integer ≥ 1`);
  }
  const mqttUrl = str('mqtt-url') ?? defaultMqttUrl(env);
  if (!urlWithProtocol(mqttUrl, MQTT_PROTOCOLS)) {
    const from = values['mqtt-url'] !== undefined ? '--mqtt-url' : env['MQTT_URL']?.trim() ? 'MQTT_URL' : 'MQTT_PORT gives';
    return bad(`${from} ${mqttUrl} is not an MQTT URL such as mqtt://127.0.0.1:${DEFAULT_MQTT_PORT}`);
  }
  const outboxMb = num('outbox-max-mb');
  if (!(outboxMb > 0 && outboxMb <= 65536)) return bad(`--outbox-max-mb ${str('outbox-max-mb')} is not a number in (0, 65536]`);
  const bundle = values['bundle'] === undefined ? 1 : num('bundle');
  if (!(Number.isInteger(bundle) && bundle >= 1 && bundle <= 500)) return bad(`--bundle ${str('bundle')} is not a whole number 1..500`);
  let startTime: number | undefined;
  if (values['start-time'] !== undefined) {
    const s = str('start-time') ?? '';
    startTime = /^\d{4}-\d{2}-\d{2}T/.test(s) ? Date.parse(s) : NaN;
    if (!Number.isFinite(startTime)) return bad(`--start-time ${s} is not an ISO 8601 time such as 2026-11-21T08:00:00Z`);
  }
  const replay = str('replay');
  if (replay !== undefined) {
    if (replay === '') return bad('--replay is empty: name a serie_temporal_<day>.json file or the folder of a data set');
    if (stream !== 'cycle') return bad('--replay replays PLC cycles: leave out --stream reading');
    if (cycles !== undefined) return bad('--replay sends the whole data set: leave out --cycles');
    if (startTime !== undefined) return bad('--replay keeps the data set\'s own times: leave out --start-time');
  }
  return {
    ok: true,
    value: {
      plcs: plcs.value, temperature: temperature.value, speed, seed: seed.value, stream, cycles, mqttUrl, outboxMaxBytes: Math.round(outboxMb * 1024 * 1024), bundle, startTime,
      replay: replay === undefined ? undefined : resolve(cwd, replay),
      model: modelFlag(values, env, cwd),
    },
  };
}
