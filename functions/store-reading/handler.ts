import {
  createDatabase,
  createReadingStore,
  envInt,
  failWith,
  parseTextBatch,
  type Database,
  type FunctionRuntime,
  type Handler,
  type Logger,
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
}

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

    const outcome = await deps.store(batch.value.records);
    if (!outcome.ok) {
      // Not a rejection of the input: the caller should retry, so no X-Rejected.
      deps.log.error('store failed; batch rolled back', { records: batch.value.records.length, reason: outcome.error.message });
      return failWith(ctx, outcome.error, false);
    }
    const duplicates = outcome.value.filter((o) => o === 'duplicate').length;
    return ctx.status(200).succeed({ stored: outcome.value.length - duplicates, duplicates, results: outcome.value });
  };
}

export async function setup(rt: FunctionRuntime): Promise<StoreReadingDeps> {
  const url = rt.env['DATABASE_URL'] || rt.readSecret('database-url');
  const db = createDatabase(url, { max: envInt(rt.env, 'DB_POOL_MAX', 4, 1, 100), log: rt.log });
  const store = createReadingStore(db);
  return { store: (records) => store.storeRecords(records), log: rt.log, maxRecords: envInt(rt.env, 'MAX_RECORDS', 10_000, 1), db };
}

export async function teardown(deps: StoreReadingDeps): Promise<void> {
  await deps.db?.close();
}
