// The administrator's allow-list for outbound fetches (src/net/outboundFetch.ts): internal
// hosts microcred may fetch from although they are not on the public internet. Entries
// come from the admin console (table outbound_allow_list, every change in the audit log)
// and from OUTBOUND_ALLOWLIST in the environment (read-only in the console).
import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/database';
import { outboundAllowList } from '../db/schema';
import { audit } from '../jobs/events';
import { type AllowEntry, AllowList, parseAllowEntry } from '../net/addresses';

export const MAX_NOTE_CHARS = 200;

export const allowEntryFormSchema = z.object({
  entry: z.string({ message: 'Type a host name, an IP address or a range such as 10.20.0.0/16.' }).transform((text, ctx) => {
    const parsed = parseAllowEntry(text);
    if (!parsed.ok) {
      ctx.addIssue({ code: 'custom', message: parsed.message });
      return z.NEVER;
    }
    return parsed.entry;
  }),
  note: z
    .string()
    .optional()
    .transform((v) => (v ?? '').trim())
    .pipe(z.string().max(MAX_NOTE_CHARS, { message: `Keep the note to ${MAX_NOTE_CHARS} characters or fewer.` })),
});

export interface AllowListRow {
  id: number;
  entry: string;
  note: string;
  createdAt: Date;
  createdBy: number | null;
}

export class OutboundAllowListStore {
  constructor(
    private readonly db: Db,
    /** Entries from OUTBOUND_ALLOWLIST: always on, not editable in the console. */
    readonly configured: readonly AllowEntry[] = [],
  ) {}

  async list(): Promise<AllowListRow[]> {
    return this.db.select().from(outboundAllowList).orderBy(asc(outboundAllowList.entry));
  }

  /** What the fetcher checks against: the configured entries and the console's, read now. */
  async current(): Promise<AllowList> {
    const rows = await this.db.select({ entry: outboundAllowList.entry }).from(outboundAllowList);
    const fromConsole = rows.map((r) => parseAllowEntry(r.entry)).flatMap((p) => (p.ok ? [p.entry] : []));
    return new AllowList([...this.configured, ...fromConsole]);
  }

  /** Adds an entry (already validated); false when it is on the list already. */
  async add(entry: AllowEntry, note: string, adminId: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.insert(outboundAllowList).values({ entry: entry.text, note, createdBy: adminId }).onConflictDoNothing().returning();
      if (!row) return false;
      await audit(tx, {
        courseId: null,
        actorId: null,
        action: 'outbound-allow.added',
        entityType: 'outbound_allow_list',
        entityId: row.id,
        after: { entry: row.entry, note, by: `admin:${adminId}` },
      });
      return true;
    });
  }

  /** Removes an entry; false when it was already gone (another tab or administrator). */
  async remove(id: number, adminId: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.delete(outboundAllowList).where(eq(outboundAllowList.id, id)).returning();
      if (!row) return false;
      await audit(tx, {
        courseId: null,
        actorId: null,
        action: 'outbound-allow.removed',
        entityType: 'outbound_allow_list',
        entityId: row.id,
        before: { entry: row.entry, note: row.note },
        after: { by: `admin:${adminId}` },
      });
      return true;
    });
  }
}
