import {
  TOPICS,
  createDatabase,
  createMqttPublisher,
  createReadingStore,
  envInt,
  envOptional,
  envString,
  failWith,
  parseTextBatch,
  type Database,
  type FunctionRuntime,
  type Handler,
  type Logger,
  type MqttPublisher,
  type Result,
  type StoreOutcome,
  type TextRecord,
} from '@typedcluster/core';

/**
 * store-reading: the last stage. Takes the text stage (UTF-8 JSON
 * `{records: [...]}`) and stores it in one transaction per request,
 * idempotently: a record whose (device, seq) is already stored is reported
 * `duplicate` and not stored again. Contract: ./README.md.
 */
export interface StoreReadingDeps {
  readonly store: (records: readonly TextRecord[]) => Promise<Result<StoreOutcome[]>>;
  readonly log: Logger;
  readonly maxRecords: number;
  readonly db?: Database;
  /**
   * The text stage on MQTT (`readings/{device}`, docs/topics.md): queues a
   * QoS 1 message and returns at once, so storing never waits on or fails
   * because of the broker. Absent: nothing is published.
   */
  readonly publish?: (topic: string, payload: string) => void;
  readonly publisher?: MqttPublisher;
}

/** Registered for the README check: one row each in ./README.md. */
export const STORE_READING_VARIABLES = ['DATABASE_URL', 'DB_POOL_MAX', 'MAX_RECORDS', 'MQTT_URL', 'MQTT_USERNAME'] as const;
/** The broker password of the function's MQTT user (docs/topics.md §Authentication). */
export const STORE_READING_MQTT_SECRET = 'mqtt-store-reading-password';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function createHandler(deps: StoreReadingDeps): Handler {
  return async (event, ctx) => {
    if (event.method !== 'POST') return failWith(ctx, { code: 'BAD_REQUEST', message: `use POST, not ${event.method}` });
    const type = event.headers['content-type'] ?? '';
    if (!/^application\/json\b/i.test(type)) {
      return failWith(ctx, { code: 'UNSUPPORTED_MEDIA_TYPE', message: `expected application/json, got "${type || 'none'}"` });
    }
    let text: string;
    try {
      text = utf8.decode(event.body);
    } catch {
      return failWith(ctx, { code: 'BAD_REQUEST', message: 'body is not valid UTF-8' });
    }
    const batch = parseTextBatch(text, deps.maxRecords);
    if (!batch.ok) return failWith(ctx, batch.error);
    if (batch.value.records.length === 0) return ctx.status(200).succeed({ stored: 0, duplicates: 0, results: [] });

    const count = batch.value.records.length;
    // Written now, published after the commit: the batch's objects need not outlive the wait for PostgreSQL.
    const messages = deps.publish ? textStageMessages(batch.value.records, MAX_TEXT_STAGE_BYTES, batch.value.texts) : [];
    const outcome = await deps.store(batch.value.records);
    if (!outcome.ok) {
      // Not a rejection of the input: the caller should retry, so no X-Rejected.
      deps.log.error('store failed; batch rolled back', { records: count, reason: outcome.error.message });
      return failWith(ctx, outcome.error, false);
    }
    // After commit: every record ended stored or duplicate, and a duplicate may be
    // one whose earlier publish was lost, so all are published (subscribers de-duplicate).
    for (const [topic, payload] of messages) deps.publish?.(topic, payload);
    const duplicates = outcome.value.filter((o) => o === 'duplicate').length;
    return ctx.status(200).succeed({ stored: outcome.value.length - duplicates, duplicates, results: outcome.value });
  };
}

/**
 * Largest text-stage message, in bytes of JSON: under the 64 KiB packet
 * limit of the embedded broker and of our Mosquitto configuration
 * (docs/topics.md), with room for the topic and the MQTT header.
 */
export const MAX_TEXT_STAGE_BYTES = 60_000;

/**
 * Per device, its records in batch order as `{"records": [...]}` (the body
 * store-reading takes), in as few messages as fit MAX_TEXT_STAGE_BYTES: a
 * large batch of one device (a backlog) would otherwise be refused by the
 * broker, and the publisher's connection with it. [topic, payload] pairs,
 * in the order they are published. `texts`, each record's JSON as it
 * arrived (parseTextBatch), saves serialising the records again.
 */
export function textStageMessages(records: readonly TextRecord[], maxBytes = MAX_TEXT_STAGE_BYTES, texts?: readonly string[]): Array<[string, string]> {
  const messages: Array<[string, string]> = [];
  const perDevice = new Map<number, string[]>();
  for (const [i, r] of records.entries()) {
    const json = texts?.[i] ?? JSON.stringify(r);
    const list = perDevice.get(r.device);
    if (list) list.push(json);
    else perDevice.set(r.device, [json]);
  }
  const HEAD = '{"records":[';
  const TAIL = ']}';
  for (const [device, list] of perDevice) {
    let part: string[] = [];
    let bytes = HEAD.length + TAIL.length;
    const flush = () => {
      if (part.length > 0) messages.push([TOPICS.readings(device), HEAD + part.join(',') + TAIL]);
      part = [];
      bytes = HEAD.length + TAIL.length;
    };
    for (const json of list) {
      const size = Buffer.byteLength(json);
      // A comma before every record but a message's first.
      if (part.length > 0 && bytes + 1 + size > maxBytes) flush();
      bytes += size + (part.length > 0 ? 1 : 0);
      part.push(json);
    }
    flush();
  }
  return messages;
}

export async function setup(rt: FunctionRuntime): Promise<StoreReadingDeps> {
  const maxRecords = envInt(rt.env, 'MAX_RECORDS', 10_000, 1);
  const poolMax = envInt(rt.env, 'DB_POOL_MAX', 4, 1, 100);
  const mqttUrl = envOptional(rt.env, 'MQTT_URL');
  const mqttUsername = envString(rt.env, 'MQTT_USERNAME', 'store-reading');
  const url = rt.env['DATABASE_URL'] || rt.readSecret('database-url');
  const mqttPassword = mqttUrl ? rt.readSecret(STORE_READING_MQTT_SECRET) : undefined;
  const db = createDatabase(url, { max: poolMax, log: rt.log });
  const store = createReadingStore(db);
  // Not awaited: the function serves (and stores) while the broker is still away.
  const publisher =
    mqttUrl && mqttPassword !== undefined
      ? createMqttPublisher({ url: mqttUrl, username: mqttUsername, password: mqttPassword, clientId: `store-reading-${process.pid}`, log: rt.log, name: 'store-reading' })
      : undefined;
  if (!publisher) rt.log.info('MQTT_URL is not set: the text stage is stored, not published');
  return {
    store: (records) => store.storeRecords(records),
    log: rt.log,
    maxRecords,
    db,
    ...(publisher ? { publisher, publish: (topic: string, payload: string) => publisher.enqueue(topic, payload) } : {}),
  };
}

export async function teardown(deps: StoreReadingDeps): Promise<void> {
  await deps.publisher?.close();
  await deps.db?.close();
}
