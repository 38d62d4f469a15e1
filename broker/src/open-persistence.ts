import { mkdir } from 'node:fs/promises';
import { StartupError } from '@typedcluster/core';
import AsyncLevelPersistence from 'aedes-persistence-level/asyncPersistence.js';
import { Level } from 'level';

/**
 * The broker's on-disk state: one LevelDB in `dir` holding Aedes' sessions,
 * subscriptions and queued QoS 1 messages (aedes-persistence-level), and our
 * own session-owner records in a sublevel beside them.
 */
export interface BrokerStore {
  readonly persistence: AsyncLevelPersistence;
  readonly db: Level<string, string>;
  close(): Promise<void>;
}

/** Opens (creating if needed) the store; start-up code, so it throws StartupError. */
export async function openBrokerStore(dir: string): Promise<BrokerStore> {
  const db = new Level<string, string>(dir);
  try {
    await mkdir(dir, { recursive: true });
    // Open now, not lazily on first write, so a locked or unwritable dir stops start-up with a hint.
    await db.open();
  } catch (e) {
    throw storeError(dir, e);
  }
  const persistence = new AsyncLevelPersistence(db);
  return {
    persistence,
    db,
    // destroy() closes the db; LevelDB finishes pending writes before it closes.
    close: () => persistence.destroy(),
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
