import assert from 'node:assert/strict';
import MemoryPersistence, { type QueuedPacket } from 'aedes-persistence/asyncPersistence.js';
import { createPrng } from '@typedcluster/core';
import { OutgoingQueues } from './outgoing-queues.js';

const view = (p: QueuedPacket | undefined) => (p === undefined ? undefined : { cmd: p.cmd, brokerId: p.brokerId, brokerCounter: p.brokerCounter, messageId: p.messageId, topic: p.topic });

async function listOf(store: MemoryPersistence, clientId: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const p of store.outgoingStream({ id: clientId })) out.push(view(p as QueuedPacket));
  return out;
}

async function outcome<T>(f: () => Promise<T> | T): Promise<{ value?: T; error?: string }> {
  try {
    return { value: await f() };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

describe('OutgoingQueues', () => {
  it('behaves exactly like aedes-persistence\'s in-memory queue over random sends, acknowledgements and replacements', async () => {
    for (let run = 0; run < 40; run++) {
      const prng = createPrng(run + 1);
      const random = () => prng.next();
      const reference = new MemoryPersistence();
      const ours = new OutgoingQueues();
      const clients = ['gateway', 'other'];
      let counter = 0;
      const queued: QueuedPacket[] = [];
      for (let step = 0; step < 300; step++) {
        const clientId = clients[Math.floor(random() * clients.length)]!;
        const r = random();
        if (r < 0.4) {
          // Some messages match two filters of a client: queued twice under one identity.
          const packet: QueuedPacket = { cmd: 'publish', topic: `t/${step}`, payload: Buffer.from([step & 255]), qos: 1, retain: false, brokerId: random() < 0.8 ? 'b1' : 'b0', brokerCounter: random() < 0.1 && counter > 0 ? counter : ++counter, messageId: 7 };
          queued.push(packet);
          await reference.outgoingEnqueue({ clientId }, packet);
          ours.enqueue(clientId, packet);
        } else if (r < 0.75) {
          // A send: an identity seen before with a messageId from a small range (ids get reused), or a stranger.
          const base = queued[Math.floor(random() * queued.length)] ?? { cmd: 'publish', brokerId: 'x', brokerCounter: 0 };
          const packet: QueuedPacket = { ...base, brokerId: random() < 0.15 ? 'b9' : base.brokerId, messageId: 1 + Math.floor(random() * 12) };
          const a = await outcome(() => reference.outgoingUpdate({ id: clientId }, { ...packet }));
          const b = await outcome(() => ours.update(clientId, { ...packet }));
          assert.deepEqual(b.error, a.error, `run ${run} step ${step}: update`);
        } else {
          const messageId = 1 + Math.floor(random() * 12);
          const a = await reference.outgoingClearMessageId({ id: clientId }, { cmd: 'puback', messageId });
          const b = ours.clearMessageId(clientId, { cmd: 'puback', messageId });
          assert.deepEqual(view(b), view(a), `run ${run} step ${step}: clear ${messageId}`);
        }
        if (step % 50 === 49) for (const c of clients) assert.deepEqual(ours.list(c).map(view), await listOf(reference, c), `run ${run} step ${step}: queue of ${c}`);
      }
    }
  });

  it('drops the publisher\'s messageId when queueing, as Aedes\' stores do', () => {
    const q = new OutgoingQueues();
    q.enqueue('c', { cmd: 'publish', topic: 't', qos: 1, brokerId: 'b', brokerCounter: 1, messageId: 99 });
    assert.equal(q.clearMessageId('c', { cmd: 'puback', messageId: 99 }), undefined);
    q.update('c', { cmd: 'publish', brokerId: 'b', brokerCounter: 1, messageId: 5 });
    assert.equal(q.clearMessageId('c', { cmd: 'puback', messageId: 5 })?.topic, 't');
    assert.deepEqual(q.list('c'), []);
    assert.throws(() => q.update('c', { cmd: 'publish', brokerId: 'b', brokerCounter: 1, messageId: 5 }), /no such packet/);
  });
});
