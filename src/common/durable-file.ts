/**
 * The two file operations the embedded journals (usage history, alert events, webhook outbox)
 * share: an append that is on disk when it resolves, and a read of a byte range.
 */

import { open, type FileHandle } from 'node:fs/promises';

/** Writes every byte of `bytes` at the handle's position, then `datasync`: durable once it resolves. */
export async function appendDurably(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
  await handle.datasync();
}

/** The bytes of `path` from `from` up to `to` (fewer when the file is shorter). */
export async function readRange(path: string, from: number, to: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const bytes = Buffer.alloc(to - from);
    let offset = 0;
    while (offset < bytes.length) {
      const { bytesRead } = await handle.read(bytes, offset, bytes.length - offset, from + offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
    }
    return bytes.subarray(0, offset);
  } finally {
    await handle.close();
  }
}
