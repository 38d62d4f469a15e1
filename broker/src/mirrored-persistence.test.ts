import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { QueuedPacket } from 'aedes-persistence/asyncPersistence.js';
import { Level } from 'level';
import { encodePacket, OUTGOING_SUBLEVEL, outgoingKey } from './mirror-records.js';
import { MirroredPersistence } from './mirrored-persistence.js';

/**
 * The persistence driven the way Aedes drives it, across simulated restarts
 * (a new instance over the same directory). The broker-level behaviour is
 * in broker-delivery.integration.test.ts; here are the paths the broker's
 * ACL keeps real clients from (QoS 2, overlapping filters, odd client ids).
 */
describe('MirroredPersistence', () => {
  let dir: string;
  let current: { db: Level<string, string>; p: MirroredPersistence } | undefined;
  const errors: unknown[] = [];
  let runs = 0;

  /** Stops the current instance (letting its writes land) and starts one over the same directory. */
  async function restart(): Promise<MirroredPersistence> {
    if (current) {
      await current.p.destroy();
      await current.db.close();
    }
    const db = new Level<string, string>(dir);
    await db.open();
    const p = new MirroredPersistence(db, { outgoingLogPath: join(dir, 'outgoing.log'), onError: (e) => errors.push(e), onWarning: (m) => errors.push(m) });
    await p.restore();
    await p.setup({ id: `run-${++runs}`, counter: 1000 }); // as Aedes does, before the first client
    current = { db, p };
    return p;
  }
  const queue = async (p: MirroredPersistence, clientId: string) => {
    const out: QueuedPacket[] = [];
    for await (const packet of p.outgoingStream({ id: clientId })) out.push(packet as QueuedPacket);
    return out;
  };
  const payloads = async (p: MirroredPersistence, clientId: string) => (await queue(p, clientId)).map((q) => String(q.payload));
  /** A session's subscriptions as plain data (the store keeps absent MQTT 5 options as undefined). */
  const subscriptions = async (p: MirroredPersistence, clientId: string) => JSON.parse(JSON.stringify(await p.subscriptionsByClient({ id: clientId }))) as unknown;
  let counter = 0;
  /** A message published in the current run, as Aedes stamps it. */
  const publish = (payload: string, qos = 1): QueuedPacket => ({ cmd: 'publish', topic: 'plc/7/cycle', payload: Buffer.from(payload), qos, retain: false, brokerId: `run-${runs}`, brokerCounter: ++counter });
  /** What Aedes does on delivery and PUBACK: give the entry a messageId, then clear it by that id. */
  const deliverAndAck = async (p: MirroredPersistence, clientId: string, packet: QueuedPacket, messageId: number) => {
    await p.outgoingUpdate({ id: clientId }, { ...packet, messageId });
    return p.outgoingClearMessageId({ id: clientId }, { cmd: 'puback', messageId });
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tc-mirror-'));
    errors.length = 0;
  });
  afterEach(async () => {
    await current?.p.destroy();
    await current?.db.close();
    current = undefined;
    await rm(dir, { recursive: true, force: true });
    assert.deepEqual(errors, []);
  });

  it("restores a session's subscriptions and its queue in order, without what was acknowledged", async () => {
    const gw = 'gate:way/ü%'; // the key layout must survive any client id
    let p = await restart();
    await p.addSubscriptions({ id: gw }, [{ topic: 'plc/+/cycle', qos: 1 }, { topic: 'sensor/+/reading', qos: 1 }]);
    const sent = ['a', 'b', 'c', 'd'].map((x) => publish(x));
    for (const s of sent) await p.outgoingEnqueueCombi([{ clientId: gw }, { clientId: 'other' }], s);
    await deliverAndAck(p, gw, sent[1]!, 11);

    p = await restart();
    assert.deepEqual(await subscriptions(p, gw), [{ topic: 'plc/+/cycle', qos: 1 }, { topic: 'sensor/+/reading', qos: 1 }]);
    assert.deepEqual(await payloads(p, gw), ['a', 'c', 'd']);
    assert.deepEqual(await payloads(p, 'other'), ['a', 'b', 'c', 'd']);
    assert.deepEqual((await p.subscriptionsByTopic('plc/7/cycle')).map((s) => s.clientId), [gw]);
  });

  it('acknowledges restored messages on disk too, and queues new ones behind them', async () => {
    let p = await restart();
    for (const x of ['a', 'b']) await p.outgoingEnqueueCombi([{ clientId: 'gw' }], publish(x));
    p = await restart();
    const [a] = await queue(p, 'gw'); // as Aedes' emptyQueue reads it after a reconnect
    await deliverAndAck(p, 'gw', a!, 1);
    await p.outgoingEnqueueCombi([{ clientId: 'gw' }], publish('c'));
    p = await restart();
    assert.deepEqual(await payloads(p, 'gw'), ['b', 'c']);
    p = await restart(); // and the order holds over a second restart
    assert.deepEqual(await payloads(p, 'gw'), ['b', 'c']);
  });

  it('keeps a restored message when a live one is sent with the messageId it was given on an earlier connection', async () => {
    let p = await restart();
    await p.outgoingEnqueueCombi([{ clientId: 'gw' }], publish('restored'));
    p = await restart();
    const [restored] = await queue(p, 'gw');
    await p.outgoingUpdate({ id: 'gw' }, { ...restored!, messageId: 5 }); // sent, never acknowledged; the gateway reconnects
    const live = publish('live');
    await p.outgoingEnqueueCombi([{ clientId: 'gw' }], live);
    await p.outgoingUpdate({ id: 'gw' }, { ...live, messageId: 5 }); // the new connection's ids start anywhere
    assert.deepEqual(await payloads(p, 'gw'), ['restored', 'live']);
  });

  it('keeps a message queued twice (two matching filters) until both copies are acknowledged', async () => {
    let p = await restart();
    const m = publish('twice');
    await p.outgoingEnqueueCombi([{ clientId: 'gw' }, { clientId: 'gw' }], m);
    await deliverAndAck(p, 'gw', m, 5);
    p = await restart();
    assert.deepEqual(await payloads(p, 'gw'), ['twice']);
    const [again] = await queue(p, 'gw');
    await deliverAndAck(p, 'gw', again!, 6);
    p = await restart();
    assert.deepEqual(await payloads(p, 'gw'), []);
  });

  it('keeps a QoS 2 message on disk until PUBCOMP, not just PUBREC', async () => {
    let p = await restart();
    const m = publish('exactly once', 2);
    await p.outgoingEnqueueCombi([{ clientId: 'gw' }], m);
    await p.outgoingUpdate({ id: 'gw' }, { ...m, messageId: 9 });
    await p.outgoingUpdate({ id: 'gw' }, { cmd: 'pubrel', messageId: 9 }); // PUBREC: the PUBREL replaces it in memory
    p = await restart();
    assert.deepEqual(await payloads(p, 'gw'), ['exactly once']);

    const [restored] = await queue(p, 'gw');
    await p.outgoingUpdate({ id: 'gw' }, { ...restored!, messageId: 3 });
    await p.outgoingUpdate({ id: 'gw' }, { cmd: 'pubrel', messageId: 3 });
    assert.equal((await p.outgoingClearMessageId({ id: 'gw' }, { cmd: 'pubcomp', messageId: 3 }))?.cmd, 'pubrel');
    p = await restart();
    assert.deepEqual(await payloads(p, 'gw'), []);
  });

  it('moves the queues a broker before the outgoing log kept in LevelDB into the log, once, losing nothing', async () => {
    const legacy = (db: Level<string, string>) => db.sublevel<string, Uint8Array>(OUTGOING_SUBLEVEL, { valueEncoding: 'view' });
    const queued: Array<[string, number, string]> = [['gw', 3, 'a'], ['gw', 12, 'b'], ['other', 7, 'c']];
    const writeLegacy = (db: Level<string, string>) => legacy(db).batch(queued.map(([c, seq, x]) => ({ type: 'put', key: outgoingKey(c, seq), value: encodePacket(publish(x)) })));
    const db = new Level<string, string>(dir);
    await writeLegacy(db);
    await db.close();

    let p = await restart();
    assert.deepEqual(await payloads(p, 'gw'), ['a', 'b']);
    assert.deepEqual(await payloads(p, 'other'), ['c']);
    assert.deepEqual(await legacy(current!.db).keys().all(), [], 'gone from LevelDB');
    await p.outgoingEnqueueCombi([{ clientId: 'gw' }], publish('d')); // numbered after the migrated ones

    // A crash after the log was written but before LevelDB was cleared: the next start finds them in both.
    await writeLegacy(current!.db);
    p = await restart();
    assert.deepEqual(await payloads(p, 'gw'), ['a', 'b', 'd']);
    assert.deepEqual(await payloads(p, 'other'), ['c']);
    const [a] = await queue(p, 'gw');
    await deliverAndAck(p, 'gw', a!, 1);
    p = await restart();
    assert.deepEqual(await payloads(p, 'gw'), ['b', 'd']);
  });

  it('forgets subscriptions removed, and all of a session cleaned, on disk', async () => {
    let p = await restart();
    await p.addSubscriptions({ id: 'gw' }, [{ topic: 'plc/+/cycle', qos: 1 }, { topic: 'sensor/+/reading', qos: 1 }]);
    await p.addSubscriptions({ id: 'other' }, [{ topic: 'plc/+/cycle', qos: 1 }]);
    await p.removeSubscriptions({ id: 'gw' }, ['sensor/+/reading']);
    p = await restart();
    assert.deepEqual(await subscriptions(p, 'gw'), [{ topic: 'plc/+/cycle', qos: 1 }]);
    await p.cleanSubscriptions({ id: 'gw' });
    await p.cleanSubscriptions({ id: 'device-7' }); // a device's clean CONNECT: nothing to forget
    p = await restart();
    assert.deepEqual(await subscriptions(p, 'gw'), []);
    assert.deepEqual(await subscriptions(p, 'other'), [{ topic: 'plc/+/cycle', qos: 1 }]);
  });
});
