import {
  callFunction,
  createDatabase,
  createDeviceRegistry,
  createRateLimitedLog,
  createReadingStore,
  envDurationMs,
  envInt,
  failWith,
  kxKeypairFromSeed,
  readFramesBody,
  replyToFrames,
  sodiumReady,
  countCodes,
  decodeFrame,
  type FrameOutcome,
  type FunctionRuntime,
  type Handler,
  type StoreOutcome,
  type TextRecord,
} from '@typedcluster/core';
import type { VerifyDeps } from './verify-deps.js';
import { createVerifyState } from './verify-state.js';
import { verifyCached, verifyFrame } from './verify-frame.js';

export type { VerifyDeps } from './verify-deps.js';

/**
 * verify-and-decrypt: checks who sent each frame and that nobody changed
 * or replayed it (wire-format §3, §4, §7), decrypts it, and turns it into
 * the UTF-8 JSON text stage that store-reading stores. Contract: ./README.md.
 */
export function createHandler(deps: VerifyDeps): Handler {
  const state = createVerifyState(deps);
  const warn = createRateLimitedLog(deps.log);
  return async (event, ctx) => {
    if (event.method !== 'POST') return failWith(ctx, { code: 'BAD_REQUEST', message: `use POST, not ${event.method}` });
    const body = readFramesBody(event.headers['content-type'], event.body);
    if (!body.ok) return failWith(ctx, body.error);

    const results: FrameOutcome[] = [];
    const records: TextRecord[] = [];
    const recordSlots: number[] = [];
    // In order: a session frame must be open before the data frames after it.
    for (const item of body.value.items) {
      if ('error' in item) {
        results.push({ ok: false, code: item.error.code, message: item.error.message });
        continue;
      }
      const decoded = decodeFrame(item.bytes);
      // The steady state is answered from memory without awaiting; only a miss waits for the database.
      const v = decoded.ok ? (verifyCached(decoded.value, state) ?? (await verifyFrame(decoded.value, deps, state))) : decoded;
      if ('infra' in v) {
        deps.log.error('device registry unavailable; the sender should retry', { reason: v.infra });
        return failWith(ctx, { code: 'DATABASE_UNREACHABLE', message: `device registry unavailable: ${v.infra}` }, false);
      }
      if (!v.ok) {
        results.push({ ok: false, code: v.error.code, message: v.error.message });
        continue;
      }
      const verified = v.value;
      if (verified.type !== 'session') {
        recordSlots.push(results.length);
        records.push(verified);
      }
      results.push({ ok: true, device: verified.device, seq: verified.seq, type: verified.type });
    }

    if (records.length > 0) {
      const count = records.length;
      // Nothing below reads the records (their results carry device and seq), so
      // the batch's objects can die young while store-reading works.
      const stored = await deps.store(records.splice(0));
      if (!stored.ok || stored.value.length !== count) {
        const reason = stored.ok ? 'store-reading answered the wrong number of results' : stored.error.message;
        deps.log.error('store-reading failed; the sender should retry', { records: count, reason });
        return failWith(ctx, { code: 'UPSTREAM_FAILED', message: reason }, false);
      }
      stored.value.forEach((outcome: StoreOutcome, i) => {
        const slot = recordSlots[i]!;
        // Still the accepted outcome pushed for this record: only this loop replaces it.
        const r = results[slot] as Extract<FrameOutcome, { ok: true }>;
        if (outcome === 'duplicate') results[slot] = { ok: false, code: 'REPLAY', message: `seq ${r.seq} of device ${r.device} is already stored`, device: r.device, seq: r.seq };
        else state.remember(r.device, BigInt(r.seq));
      });
    }
    for (const r of results) if (!r.ok) warn(r.code, 'rejected frame', { code: r.code, device: r.device, seq: r.seq, reason: r.message });
    return replyToFrames(ctx, body.value.batch, results, countCodes(results));
  };
}

export async function setup(rt: FunctionRuntime): Promise<VerifyDeps> {
  await sodiumReady();
  const seed = Buffer.from(rt.readSecret('platform-kx-secret').trim(), 'base64');
  if (seed.length !== 32) throw new Error('secret platform-kx-secret must be 32 bytes, base64-encoded (run "typedcluster up" to create one)');
  const db = createDatabase(rt.env['DATABASE_URL'] || rt.readSecret('database-url'), { max: envInt(rt.env, 'DB_POOL_MAX', 4, 1, 100), log: rt.log });
  const store = createReadingStore(db);
  const call = { fetch: rt.fetch, gatewayUrl: rt.gatewayUrl, timeoutMs: envDurationMs(rt.env, 'UPSTREAM_TIMEOUT', 10_000) };
  const next = rt.env['STORE_FUNCTION'] || 'store-reading';
  return {
    registry: createDeviceRegistry(db),
    recordFrame: (f) => store.recordFrame(f),
    platformKeys: kxKeypairFromSeed(seed),
    store: async (records) => {
      const r = await callFunction<{ results: StoreOutcome[] }>(call, next, JSON.stringify({ records }), 'application/json; charset=utf-8');
      if (!r.ok) return r;
      if (!Array.isArray(r.value.results)) return { ok: false, error: { code: 'UPSTREAM_FAILED', message: `${next} answered without results` } };
      return { ok: true, value: r.value.results };
    },
    log: rt.log,
    now: rt.now,
    replayWindow: BigInt(envInt(rt.env, 'REPLAY_WINDOW', 4096, 0)),
    deviceCacheMs: envDurationMs(rt.env, 'DEVICE_CACHE_TTL', 10_000),
    close: () => db.close(),
  };
}

export async function teardown(deps: VerifyDeps): Promise<void> {
  await deps.close?.();
}
