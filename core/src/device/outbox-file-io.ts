import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

// Positional I/O for the outbox files: fs calls may move fewer bytes than asked, these loop until done.

/** Makes entries created, renamed or deleted in `dir` durable. */
export async function syncDir(dir: string): Promise<void> {
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

export async function writeAll(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  for (let done = 0; done < buf.length; ) {
    const { bytesWritten } = await fh.write(buf, done, buf.length - done, position + done);
    done += bytesWritten;
  }
}

export async function readAll(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  for (let done = 0; done < buf.length; ) {
    const { bytesRead } = await fh.read(buf, done, buf.length - done, position + done);
    if (bytesRead === 0) throw new Error('outbox segment ended early');
    done += bytesRead;
  }
}
