// The disk backend of FileStorage (the database backend is exercised by every upload in
// the page tests): bytes written atomically under DATA_DIR/files, read back, and ids that
// are not ours refused so no path can leave the folder.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createFileStorage, DiskFileStorage } from '../../src/assessment/fileStorage';
import type { Db } from '../../src/db/database';

const noDb = undefined as unknown as Db;

it('stores and reads files on disk, leaving no temporary files behind', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'microcred-files-'));
  const storage = createFileStorage('disk', dir);
  expect(storage).toBeInstanceOf(DiskFileStorage);
  const id = randomUUID();
  await storage.put(noDb, id, Buffer.from('%PDF-1.4 evidence'));
  expect((await storage.get(noDb, id))?.toString()).toBe('%PDF-1.4 evidence');
  expect(fs.readdirSync(path.join(dir, 'files', id.slice(0, 2)))).toEqual([id]);
  expect(await storage.get(noDb, randomUUID())).toBeUndefined();
  await expect(storage.put(noDb, '../../etc/passwd-xxxxxxxxxxxxxxxxxxxxxxxxx', Buffer.from('x'))).rejects.toThrow('not a file id');
  await expect(storage.get(noDb, '../../../../../../../../../../etc/hosts')).rejects.toThrow('not a file id');
});
