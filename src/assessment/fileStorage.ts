// One interface for evidence file bytes, with two backends: PostgreSQL (default: the
// database is the one thing to back up) or a folder on disk. Metadata always lives in
// stored_files; only the bytes move.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import type { Db, Tx } from '../db/database';
import { fileBlobs } from '../db/schema';

export interface FileStorage {
  readonly kind: 'database' | 'disk';
  /** Stores the bytes of a file whose stored_files row is written in the same transaction. */
  put(tx: Tx, fileId: string, content: Buffer): Promise<void>;
  get(db: Db, fileId: string): Promise<Buffer | undefined>;
}

export class DatabaseFileStorage implements FileStorage {
  readonly kind = 'database' as const;
  async put(tx: Tx, fileId: string, content: Buffer) {
    await tx.insert(fileBlobs).values({ fileId, content });
  }
  async get(db: Db, fileId: string) {
    const [row] = await db.select({ content: fileBlobs.content }).from(fileBlobs).where(eq(fileBlobs.fileId, fileId));
    return row?.content;
  }
}

export class DiskFileStorage implements FileStorage {
  readonly kind = 'disk' as const;
  constructor(private readonly dir: string) {}
  private pathOf(fileId: string) {
    // Ids are UUIDs we generate; refuse anything else so a path can never escape the folder.
    if (!/^[0-9a-f-]{36}$/.test(fileId)) throw new Error(`not a file id: ${fileId}`);
    return path.join(this.dir, fileId.slice(0, 2), fileId);
  }
  async put(_tx: Tx, fileId: string, content: Buffer) {
    const target = this.pathOf(fileId);
    await fs.mkdir(path.dirname(target), { recursive: true });
    // Write then rename: a crash never leaves half a file under the real name.
    const tmp = `${target}.${randomUUID()}.tmp`;
    await fs.writeFile(tmp, content, { mode: 0o600 });
    await fs.rename(tmp, target);
  }
  async get(_db: Db, fileId: string) {
    try {
      return await fs.readFile(this.pathOf(fileId));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }
}

export function createFileStorage(kind: 'database' | 'disk', dataDir: string): FileStorage {
  return kind === 'disk' ? new DiskFileStorage(path.join(dataDir, 'files')) : new DatabaseFileStorage();
}
