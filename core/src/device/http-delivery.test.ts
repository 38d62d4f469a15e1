import assert from 'node:assert/strict';
import { deliverFrames, isDelivered } from './http-delivery.js';

const reply = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const stored = { ok: true, device: 1, seq: '1', type: 'reading' } as const;
const noSleep = async () => {};

describe('deliverFrames', () => {
  it('repeats on 5xx and network errors until the platform answers', async () => {
    const answers = [() => reply(503, { code: 'FUNCTION_UNAVAILABLE' }), () => { throw new TypeError('fetch failed'); }, () => reply(200, { results: [stored] })];
    let calls = 0;
    const fetch = (async () => answers[calls++]!()) as unknown as typeof globalThis.fetch;
    const d = await deliverFrames([new Uint8Array(3)], { fetch, url: 'http://x', sleep: noSleep });
    assert.equal(calls, 3);
    assert.equal(d.retries, 2);
    assert.deepEqual(d.outcomes, [stored]);
  });

  it('gives up after the configured attempts', async () => {
    const fetch = (async () => reply(502, {})) as unknown as typeof globalThis.fetch;
    await assert.rejects(deliverFrames([new Uint8Array(1)], { fetch, url: 'http://x', attempts: 3, sleep: noSleep }), /gave up after 3 tries/);
  });

  it('does not repeat a request the platform refused as a whole', async () => {
    let calls = 0;
    const fetch = (async () => (calls++, reply(415, { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'no' }))) as unknown as typeof globalThis.fetch;
    await assert.rejects(deliverFrames([new Uint8Array(1)], { fetch, url: 'http://x', sleep: noSleep }), /refused: 415/);
    assert.equal(calls, 1);
  });

  it('counts REPLAY as delivered and other rejections as not', () => {
    assert.equal(isDelivered(stored), true);
    assert.equal(isDelivered({ ok: false, code: 'REPLAY', message: '' }), true);
    assert.equal(isDelivered({ ok: false, code: 'DECRYPT_FAILED', message: '' }), false);
  });
});
