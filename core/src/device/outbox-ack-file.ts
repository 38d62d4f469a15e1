import { open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDir } from './outbox-file-io.js';

/**
 * The persisted ack: `<dir>/ack` holds the logical offset of the first
 * unacknowledged record, in decimal. It is replaced atomically (write
 * `ack.tmp`, fsync, rename) so a crash leaves the old value or the new one,
 * never a mix.
 */

/** The persisted ack, or undefined when there is none or it does not parse. */
export async function readAck(dir: string): Promise<number | undefined> {
  const text = await readFile(join(dir, 'ack'), 'utf8').catch(() => undefined);
  const n = text === undefined ? NaN : Number(text.trim());
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/**
 * Replaces the ack with `value`. `syncDirectory` also makes the rename
 * durable: needed before a compaction relies on it, not for an ordinary ack.
 */
export async function writeAck(dir: string, value: number, opts: { readonly durable: boolean; readonly syncDirectory: boolean }): Promise<void> {
  const tmp = join(dir, 'ack.tmp');
  const f = await open(tmp, 'w', 0o600);
  try {
    await f.writeFile(`${value}\n`);
    if (opts.durable) await f.sync();
  } finally {
    await f.close();
  }
  await rename(tmp, join(dir, 'ack'));
  if (opts.syncDirectory && opts.durable) await syncDir(dir);
}
