import { mkdir, readFile, rename, writeFile, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Alert } from './alert.js';
import { SOURCE_NAMES, type SourceName } from './api-rows.js';
import type { SensorStates } from './range-alerts.js';

/**
 * Everything the alert client must remember across restarts, in one JSON
 * file replaced atomically (write a temp file, fsync, rename).
 *
 * Per source: `cursor`, the newest commit time seen (ms), and `seen`, the key
 * and time of every row inside the overlap window behind it. A row that
 * commits late can carry an older commit time than rows already read, so
 * each poll re-reads `cursor - overlap` onwards and drops rows already in
 * `seen`: nothing is missed (if it commits within the overlap) and nothing
 * is alerted twice.
 *
 * `pending` holds, per sink, alerts computed but not yet delivered: the
 * cursor and the alerts are saved together before any sink is tried, so an
 * alert is never lost once its rows were read (the outbox pattern).
 */
export interface AlertState {
  readonly version: 1;
  sources: Record<SourceName, { cursor: number; seen: Record<string, number> }>;
  sensors: SensorStates;
  pending: Record<string, Alert[]>;
}

export function initialState(startMs: number): AlertState {
  const sources = Object.fromEntries(SOURCE_NAMES.map((n) => [n, { cursor: startMs, seen: {} }])) as AlertState['sources'];
  return { version: 1, sources, sensors: {}, pending: {} };
}

/** Reads the state file; undefined when there is none yet. A corrupt file is an error: silently starting over would re-alert or skip. */
export async function loadState(path: string): Promise<AlertState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const s = JSON.parse(text) as Partial<AlertState>;
  if (s.version !== 1 || typeof s.sources !== 'object' || typeof s.sensors !== 'object' || typeof s.pending !== 'object') {
    throw new Error(`${path} is not an alert client state file (version 1)`);
  }
  const base = initialState(0);
  return { ...base, ...s, sources: { ...base.sources, ...s.sources } } as AlertState;
}

/** Write-then-rename, with fsync, so a crash leaves the old or the new file, never half of one. */
export async function saveState(path: string, state: AlertState): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify(state), { mode: 0o600 });
  const fh = await open(tmp, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}

/** Where the next poll of a source starts: the overlap window behind its cursor. */
export const windowStart = (state: AlertState, source: SourceName, overlapMs: number): number => state.sources[source].cursor - overlapMs;

/**
 * Keeps rows not seen before, records them, moves the cursor to the newest
 * commit time and forgets keys that fell out of the window.
 */
export function admitRows<R>(state: AlertState, source: SourceName, rows: readonly R[], keyOf: (r: R) => string, timeOf: (r: R) => string, overlapMs: number): R[] {
  const s = state.sources[source];
  const fresh: R[] = [];
  for (const r of rows) {
    const key = keyOf(r);
    if (key in s.seen) continue;
    const t = Math.floor(Date.parse(timeOf(r)));
    s.seen[key] = t;
    if (t > s.cursor) s.cursor = t;
    fresh.push(r);
  }
  // Keep a key while the next window can still return its row (1 ms margin for sub-millisecond times).
  const oldest = s.cursor - overlapMs - 1;
  for (const [k, t] of Object.entries(s.seen)) if (t < oldest) delete s.seen[k];
  return fresh;
}
