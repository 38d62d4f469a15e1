import assert from 'node:assert/strict';
import {
  createContext,
  createLogger,
  decodeFrame,
  encodeFrame,
  joinFrames,
  splitFrames,
  FRAMES_CONTENT_TYPE,
  type BatchReply,
  type FrameOutcome,
  type FunctionEvent,
  type Result,
} from '@typedcluster/core';
import { createHandler, type IngestDeps } from './handler.js';

/** A structurally valid READING frame (ingest-binary never opens it). */
const frame = (seq: bigint) => encodeFrame({ type: 'reading', deviceId: 4, keyId: 1, seq, body: new Uint8Array(62) });
const event = (body: Uint8Array, contentType?: string, method = 'POST'): FunctionEvent => ({
  body: Buffer.from(body), headers: contentType ? { 'content-type': contentType } : {}, method, path: '/', query: {},
});

/** verify-and-decrypt stand-in: records what it was given and accepts every frame. */
function recordingVerify() {
  const calls: Uint8Array[][] = [];
  const verify: IngestDeps['verify'] = async (body) => {
    const split = splitFrames(body);
    assert.ok(split.ok);
    calls.push([...split.value.frames]);
    const results: FrameOutcome[] = split.value.frames.map((f) => {
      const d = decodeFrame(f);
      assert.ok(d.ok, 'ingest must only forward well-formed frames');
      return { ok: true, device: d.value.deviceId, seq: d.value.seq.toString(), type: d.value.type };
    });
    return { ok: true, value: { accepted: results.length, rejected: 0, results } };
  };
  return { calls, verify };
}

const deps = (verify: IngestDeps['verify'], maxBodyBytes = 1 << 20): IngestDeps => ({ verify, log: createLogger('test', { sink: () => {} }), maxBodyBytes });

describe('ingest-binary', () => {
  it('forwards one well-formed frame and relays the verdict', async () => {
    const v = recordingVerify();
    const res = await createHandler(deps(v.verify))(event(frame(5n)), createContext());
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { ok: true, device: 4, seq: '5', type: 'reading' });
    assert.equal(v.calls.length, 1);
    assert.equal(res.headers['x-rejected'], undefined);
  });

  const malformed: Array<[string, Uint8Array, number, string]> = [
    ['empty', new Uint8Array(0), 400, 'TRUNCATED'],
    ['bad magic', Uint8Array.from([0x00, 0x43, 1, 2]), 400, 'BAD_MAGIC'],
    ['bad version', Uint8Array.from([0x54, 0x43, 9, 2]), 400, 'BAD_VERSION'],
    ['oversized', new Uint8Array(2000).fill(0x54), 413, 'TOO_LARGE'],
    ['truncated', frame(1n).subarray(0, 50), 400, 'TRUNCATED'],
  ];
  for (const [name, bytes, status, code] of malformed) {
    it(`rejects a ${name} frame with ${status} ${code}, counted, without calling verify`, async () => {
      const v = recordingVerify();
      const res = await createHandler(deps(v.verify))(event(bytes, 'application/octet-stream'), createContext());
      assert.equal(res.status, status);
      assert.equal((res.body as { code: string }).code, code);
      assert.equal(res.headers['x-rejected'], `${code}=1`);
      assert.equal(v.calls.length, 0);
    });
  }

  it('answers a batch in order and forwards only the well-formed frames', async () => {
    const v = recordingVerify();
    const bad = Uint8Array.from([0x54, 0x43, 2]);
    const body = joinFrames([frame(1n), bad, frame(2n), bad, frame(3n)]);
    const res = await createHandler(deps(v.verify))(event(body, FRAMES_CONTENT_TYPE), createContext());
    assert.equal(res.status, 200);
    const reply = res.body as BatchReply;
    assert.deepEqual(reply.results.map((r) => (r.ok ? r.seq : r.code)), ['1', 'BAD_VERSION', '2', 'BAD_VERSION', '3']);
    assert.equal(reply.accepted, 3);
    assert.equal(v.calls[0]?.length, 3);
    assert.equal(res.headers['x-rejected'], 'BAD_VERSION=2');
  });

  it('forwards a frames body whose every frame is well-formed byte for byte, and one with a bad frame rebuilt without it', async () => {
    const seen: Buffer[] = [];
    const v = recordingVerify();
    const spy: IngestDeps['verify'] = (body) => {
      seen.push(Buffer.from(body));
      return v.verify(body);
    };
    const clean = joinFrames([frame(1n), frame(2n)]);
    await createHandler(deps(spy))(event(clean, FRAMES_CONTENT_TYPE), createContext());
    assert.ok(seen[0]!.equals(Buffer.from(clean)));
    await createHandler(deps(spy))(event(joinFrames([frame(3n), Uint8Array.from([0x54, 0x43, 2]), frame(4n)]), FRAMES_CONTENT_TYPE), createContext());
    assert.ok(seen[1]!.equals(Buffer.from(joinFrames([frame(3n), frame(4n)]))));
  });

  it('counts a broken length prefix as one rejection and keeps the frames before it', async () => {
    const v = recordingVerify();
    const good = joinFrames([frame(1n)]);
    const body = Buffer.concat([good, Buffer.from([0, 0, 0x10, 0])]); // prefix of 4096 > 1024
    const res = await createHandler(deps(v.verify))(event(body, FRAMES_CONTENT_TYPE), createContext());
    const reply = res.body as BatchReply;
    assert.deepEqual(reply.results.map((r) => (r.ok ? 'ok' : r.code)), ['ok', 'TOO_LARGE']);
  });

  it('relays rejections found downstream without counting them again', async () => {
    const verify: IngestDeps['verify'] = async (): Promise<Result<BatchReply>> => ({
      ok: true,
      value: { accepted: 0, rejected: 1, results: [{ ok: false, code: 'DECRYPT_FAILED', message: 'tampered' }] },
    });
    const res = await createHandler(deps(verify))(event(frame(9n)), createContext());
    assert.equal(res.status, 403);
    assert.equal((res.body as { code: string }).code, 'DECRYPT_FAILED');
    assert.equal(res.headers['x-rejected'], undefined);
  });

  it('answers 502 UPSTREAM_FAILED when verify-and-decrypt fails, so the sender retries', async () => {
    const verify: IngestDeps['verify'] = async () => ({ ok: false, error: { code: 'UPSTREAM_FAILED', message: 'verify-and-decrypt answered 503' } });
    const res = await createHandler(deps(verify))(event(frame(9n)), createContext());
    assert.equal(res.status, 502);
    assert.equal((res.body as { code: string }).code, 'UPSTREAM_FAILED');
  });

  it('refuses other content types, other methods and oversized bodies', async () => {
    const h = createHandler(deps(recordingVerify().verify, 100));
    assert.equal((await h(event(frame(1n), 'text/plain'), createContext())).status, 415);
    assert.equal((await h(event(frame(1n), undefined, 'GET'), createContext())).status, 400);
    const big = await h(event(new Uint8Array(101)), createContext());
    assert.equal(big.status, 413);
    assert.equal((big.body as { code: string }).code, 'TOO_LARGE');
  });
});
