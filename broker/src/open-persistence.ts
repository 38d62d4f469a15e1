import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { StartupError } from '@typedcluster/core';
import { Level } from 'level';
import { MirroredPersistence } from './mirrored-persistence.js';

/** The queued messages' log, beside LevelDB's files (which it ignores: not a name of its own). */
export const OUTGOING_LOG_FILE = 'outgoing.log';

/**
 * The broker's state: Aedes' sessions in memory, mirrored to `dir`
 * (MirroredPersistence): the queued messages to an append-only log, the
 * subscriptions, and our own session-owner records, to one LevelDB.
 */
export interface BrokerStore {
  readonly persistence: MirroredPersistence;
  readonly db: Level<string, string>;
  close(): Promise<void>;
}

/** What the store reports while the broker goes on, for the caller to log. */
export interface BrokerStoreEvents {
  /** A mirror write that failed (see MirroredPersistence). */
  readonly onError: (e: unknown) => void;
  /** Something recovered from, such as a queued message cut short by a crash (see OutgoingLog). */
  readonly onWarning: (message: string, fields: Record<string, unknown>) => void;
}

/** Opens (creating if needed) the store and loads it into memory; start-up code, so it throws StartupError. */
export async function openBrokerStore(dir: string, events: BrokerStoreEvents): Promise<BrokerStore> {
  // No compression: queued messages are short-lived and mostly frames (sealed, so random bytes);
  // snappy and its decompression in compactions were a tenth of the gateway's CPU under load.
  const db = new Level<string, string>(dir, { compression: false });
  try {
    await mkdir(dir, { recursive: true });
    // Open now, not lazily on first write, so a locked or unwritable dir stops start-up with a hint.
    await db.open();
  } catch (e) {
    throw storeError(dir, e);
  }
  // The log lives in the LevelDB directory, so LevelDB's lock guards it too.
  const persistence = new MirroredPersistence(db, { outgoingLogPath: join(dir, OUTGOING_LOG_FILE), ...events });
  try {
    // Before Aedes exists, so no client can connect to a half-loaded session.
    await persistence.restore();
  } catch (e) {
    await db.close();
    throw storeError(dir, e);
  }
  return {
    persistence,
    db,
    close: async () => {
      // Lets the last mirror writes land and fsyncs the log; LevelDB finishes pending writes before it closes.
      await persistence.destroy();
      await db.close();
    },
  };
}

function storeError(dir: string, e: unknown): StartupError {
  const cause = e instanceof Error && e.cause instanceof Error ? e.cause : e;
  const code = (cause as { code?: unknown } | undefined)?.code;
  if (code === 'LEVEL_LOCKED') {
    return new StartupError('BROKER_DIR_INVALID', `the MQTT broker store ${dir} is in use by another running broker`, 'stop the other typedcluster, or give this one its own home directory');
  }
  const why = cause instanceof Error ? cause.message : String(cause);
  return new StartupError('BROKER_DIR_INVALID', `cannot open the MQTT broker store ${dir}: ${why}`, `make ${dir} writable by this user, or remove it to start with an empty broker`);
}
