import assert from 'node:assert/strict';
import { createStreamReader, decodeAck, prefixedRecord, type AckRecord } from '@typedcluster/core';
import { TcpConnection, type FrameAnswer } from './tcp-connection.js';

/** A frame-shaped record: "TC" header with device and seq, so acks can name them. */
function frame(device: number, seq: bigint, size = 82): Uint8Array {
  const f = new Uint8Array(size);
  f[0] = 0x54;
  f[1] = 0x43;
  const v = new DataView(f.buffer);
  if (size >= 18) {
    v.setInt16(4, device);
    v.setBigUint64(10, seq);
  }
  return f;
}

function harness(window = 4) {
  const written: AckRecord[] = [];
  const reader = createStreamReader(1024);
  const pending: Array<{ frame: Uint8Array; answer: (a: FrameAnswer) => void }> = [];
  const flow: string[] = [];
  let ended = 0;
  const conn = new TcpConnection({
    window,
    transport: {
      write: (b) => {
        for (const r of reader.push(b).records) {
          const a = decodeAck(r);
          assert.ok(a.ok, 'the connection writes only ack records');
          written.push(a.value);
        }
      },
      pause: () => flow.push('pause'),
      resume: () => flow.push('resume'),
      end: () => ended++,
    },
    submit: (f, answer) => pending.push({ frame: f, answer }),
  });
  const answer = (i: number, a: FrameAnswer) => pending[i]!.answer(a);
  return { conn, written, pending, flow, answer, ended: () => ended };
}

const stored: FrameAnswer = { outcome: 'stored', code: '' };
const brief = (a: AckRecord) => `${a.frameNumber}:${a.outcome}:${a.deviceId}:${a.seq}:${a.code}`;

describe('TCP listener connection (wire-format §6.4)', () => {
  it('acknowledges each frame once, in frame order, even when answers come back out of order', () => {
    const h = harness();
    h.conn.data(Buffer.concat([prefixedRecord(frame(7, 10n)), prefixedRecord(frame(7, 11n)), prefixedRecord(frame(7, 12n))]));
    assert.equal(h.pending.length, 3);
    h.answer(1, { outcome: 'duplicate', code: 'REPLAY' });
    assert.deepEqual(h.written, [], 'frame 1 waits for frame 0');
    h.answer(0, stored);
    h.answer(2, { outcome: 'refused', code: 'DECRYPT_FAILED' });
    h.answer(2, stored); // a second answer for one frame is ignored
    assert.deepEqual(h.written.map(brief), ['0:stored:7:10:', '1:duplicate:7:11:REPLAY', '2:refused:7:12:DECRYPT_FAILED']);
    assert.equal(h.conn.openFrames, 0);
  });

  it('reassembles frames split across chunks', () => {
    const h = harness();
    const bytes = Buffer.concat([prefixedRecord(frame(3, 1n)), prefixedRecord(frame(3, 2n, 174))]);
    for (let i = 0; i < bytes.length; i += 7) h.conn.data(bytes.subarray(i, i + 7));
    assert.deepEqual(h.pending.map((p) => p.frame.length), [82, 174]);
    assert.deepEqual(h.pending[1]!.frame, frame(3, 2n, 174));
  });

  it('hands bad frames on and keeps going: a zero length or garbage is answered, the next frame still is', () => {
    const h = harness();
    h.conn.data(Buffer.concat([prefixedRecord(new Uint8Array(0)), prefixedRecord(new TextEncoder().encode('GET / HTTP/1.1')), prefixedRecord(frame(9, 4n))]));
    assert.equal(h.pending.length, 3);
    h.answer(0, { outcome: 'refused', code: 'TRUNCATED' });
    h.answer(1, { outcome: 'refused', code: 'BAD_MAGIC' });
    h.answer(2, stored);
    assert.deepEqual(h.written.map(brief), ['0:refused:0:0:TRUNCATED', '1:refused:0:0:BAD_MAGIC', '2:stored:9:4:']);
    assert.equal(h.ended(), 0);
  });

  it('stops reading while the window is full, and reads again as answers free it', () => {
    const h = harness(2);
    h.conn.data(prefixedRecord(frame(1, 1n)));
    assert.deepEqual(h.flow, []);
    h.conn.data(prefixedRecord(frame(1, 2n)));
    assert.deepEqual(h.flow, ['pause']);
    h.answer(0, stored);
    assert.deepEqual(h.flow, ['pause', 'resume']);
  });

  it('on a prefix over 1024 answers the frames before it, then CLOSING TOO_LARGE, and reads nothing more', async () => {
    const h = harness();
    h.conn.data(Buffer.concat([prefixedRecord(frame(2, 1n)), Buffer.from([0, 0, 0x04, 0x01]), prefixedRecord(frame(2, 2n))]));
    assert.equal(h.pending.length, 1, 'the frame after the broken prefix is not read');
    assert.deepEqual(h.flow, ['pause']);
    assert.equal(h.ended(), 0, 'the open frame is answered first');
    h.conn.data(prefixedRecord(frame(2, 3n)));
    assert.equal(h.pending.length, 1);
    h.answer(0, stored);
    assert.deepEqual(h.written.map(brief), ['0:stored:2:1:', '1:closing:0:0:TOO_LARGE']);
    assert.equal(h.ended(), 1);
    assert.equal(h.conn.closed, true);
  });

  it('closes an idle connection only when nothing is open', () => {
    const h = harness();
    h.conn.data(prefixedRecord(frame(5, 1n)));
    assert.equal(h.conn.idle(), false);
    h.answer(0, stored);
    assert.equal(h.conn.idle(), true);
    assert.deepEqual(h.written.map(brief), ['0:stored:5:1:', '1:closing:0:0:IDLE_TIMEOUT']);
  });

  it('on shutdown answers what is open, then CLOSING SHUTTING_DOWN; abort leaves the rest to be resent', async () => {
    const h = harness();
    h.conn.data(Buffer.concat([prefixedRecord(frame(5, 1n)), prefixedRecord(frame(5, 2n))]));
    const closed = h.conn.closeWhenAnswered('SHUTTING_DOWN');
    h.answer(0, stored);
    h.conn.abort('SHUTTING_DOWN');
    await closed;
    h.answer(1, stored); // too late: the device resends it on its next connection
    assert.deepEqual(h.written.map(brief), ['0:stored:5:1:', '2:closing:0:0:SHUTTING_DOWN']);
    assert.equal(h.ended(), 1);
  });

  it('writes nothing once the peer is gone', () => {
    const h = harness();
    h.conn.data(prefixedRecord(frame(5, 1n)));
    h.conn.gone();
    h.answer(0, stored);
    assert.deepEqual(h.written, []);
  });
});
