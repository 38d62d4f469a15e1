import type { Level } from 'level';
import { OUTGOING_SUBLEVEL } from './mirror-records.js';
import type { OutgoingLog } from './outgoing-log.js';
import type { LogOp } from './outgoing-log-records.js';

/** Moved per log write, so a long queue is not framed as one huge batch. */
const BATCH = 4096;

/**
 * Brokers before the outgoing log kept queued messages in LevelDB's
 * `mqtt-outgoing` sublevel. Moves them into `log` (same keys, same
 * values), makes the log durable, and only then deletes them from LevelDB:
 * a crash in between leaves them in both, and the next start skips the
 * keys the log already holds, so an upgrade neither loses nor doubles a
 * message. Returns the entries moved, in key order (per client, enqueue
 * order), to be restored after those the log had.
 */
export async function migrateLevelOutgoing(db: Level<string, string>, log: OutgoingLog): Promise<Array<{ key: string; value: Uint8Array }>> {
  const outgoing = db.sublevel<string, Uint8Array>(OUTGOING_SUBLEVEL, { valueEncoding: 'view' });
  const moved: Array<{ key: string; value: Uint8Array }> = [];
  let found = false;
  let ops: LogOp[] = [];
  for await (const [key, value] of outgoing.iterator()) {
    found = true;
    if (log.has(key)) continue;
    moved.push({ key, value });
    ops.push({ type: 'put', key, value });
    if (ops.length === BATCH) {
      await log.commit(ops);
      ops = [];
    }
  }
  if (!found) return moved;
  await log.commit(ops);
  await log.sync();
  await outgoing.clear();
  return moved;
}
