// Database access for credential design. Every method takes the course id and filters
// by it, so an id guessed from another course finds nothing. Writes carry the
// lockVersion the person read: a stale write is a ConflictError, never a silent overwrite.
import { and, asc, desc, eq, inArray, isNull, max, ne, sql } from 'drizzle-orm';
import { type Db, isUniqueViolation } from '../db/database';
import { courseMembers, courseOutcomes, courses, credentialChanges, credentials, credentialVersions } from '../db/schema';
import { ConflictError, ForbiddenError, NotFoundError } from '../errors';
import type { CredentialDefinition } from './model';
import type { BadgeImageSpec } from '../badges/badgeImage';

const staleMessage = (what: string) =>
  new ConflictError(
    `Someone else changed this ${what} after you opened it.`,
    'EDIT_CONFLICT',
    'Your changes are kept in the form below. Reload to see the other changes, then apply yours again.',
  );

export interface OutcomeFields {
  code: string;
  title: string;
  description: string;
}

export type CourseOutcomeRow = typeof courseOutcomes.$inferSelect;

export class CourseOutcomeStore {
  constructor(private readonly db: Db) {}

  list(courseId: number, opts: { includeArchived?: boolean } = {}): Promise<CourseOutcomeRow[]> {
    const where = opts.includeArchived ? eq(courseOutcomes.courseId, courseId) : and(eq(courseOutcomes.courseId, courseId), isNull(courseOutcomes.archivedAt));
    return this.db.select().from(courseOutcomes).where(where).orderBy(asc(courseOutcomes.position), asc(courseOutcomes.id));
  }

  async get(courseId: number, id: number): Promise<CourseOutcomeRow> {
    const [row] = await this.db
      .select()
      .from(courseOutcomes)
      .where(and(eq(courseOutcomes.courseId, courseId), eq(courseOutcomes.id, id)));
    if (!row) throw new NotFoundError('That course outcome does not exist in this course.');
    return row;
  }

  private codeTaken(code: string) {
    return new ConflictError(
      `The code "${code}" is already used by another outcome of this course.`,
      'OUTCOME_CODE_TAKEN',
      'Choose another code, or edit the existing outcome.',
    );
  }

  async create(courseId: number, fields: OutcomeFields): Promise<CourseOutcomeRow> {
    try {
      const [row] = await this.db
        .insert(courseOutcomes)
        .values({
          courseId,
          ...fields,
          position: sql`(SELECT coalesce(max(position), 0) + 1 FROM course_outcomes WHERE course_id = ${courseId})`,
        })
        .returning();
      return row;
    } catch (e) {
      if (isUniqueViolation(e, 'course_outcomes_course_code_uq')) throw this.codeTaken(fields.code);
      throw e;
    }
  }

  /** Adds many at once (CSV import, copy from a course): all or nothing. */
  async createMany(courseId: number, rows: OutcomeFields[]): Promise<CourseOutcomeRow[]> {
    if (rows.length === 0) return [];
    return this.db.transaction(async (tx) => {
      const [{ top }] = await tx
        .select({ top: max(courseOutcomes.position) })
        .from(courseOutcomes)
        .where(eq(courseOutcomes.courseId, courseId));
      try {
        return await tx
          .insert(courseOutcomes)
          .values(rows.map((r, i) => ({ courseId, ...r, position: (top ?? 0) + i + 1 })))
          .returning();
      } catch (e) {
        if (isUniqueViolation(e, 'course_outcomes_course_code_uq')) {
          throw new ConflictError(
            'One of these codes is already used in this course; nothing was imported.',
            'OUTCOME_CODE_TAKEN',
            'Check the preview again: it lists the codes that clash.',
          );
        }
        throw e;
      }
    });
  }

  async update(courseId: number, id: number, lockVersion: number, fields: OutcomeFields): Promise<CourseOutcomeRow> {
    await this.get(courseId, id);
    try {
      const [row] = await this.db
        .update(courseOutcomes)
        .set({ ...fields, lockVersion: sql`${courseOutcomes.lockVersion} + 1`, updatedAt: new Date() })
        .where(and(eq(courseOutcomes.courseId, courseId), eq(courseOutcomes.id, id), eq(courseOutcomes.lockVersion, lockVersion)))
        .returning();
      if (!row) throw staleMessage('outcome');
      return row;
    } catch (e) {
      if (isUniqueViolation(e, 'course_outcomes_course_code_uq')) throw this.codeTaken(fields.code);
      throw e;
    }
  }

  async setArchived(courseId: number, id: number, lockVersion: number, archived: boolean): Promise<CourseOutcomeRow> {
    await this.get(courseId, id);
    const [row] = await this.db
      .update(courseOutcomes)
      .set({ archivedAt: archived ? new Date() : null, lockVersion: sql`${courseOutcomes.lockVersion} + 1`, updatedAt: new Date() })
      .where(and(eq(courseOutcomes.courseId, courseId), eq(courseOutcomes.id, id), eq(courseOutcomes.lockVersion, lockVersion)))
      .returning();
    if (!row) throw staleMessage('outcome');
    return row;
  }

  /** Sets the order of the course's active outcomes; the list must name each exactly once. */
  async reorder(courseId: number, orderedIds: number[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      // Lock the course's outcomes so two reorders cannot interleave.
      const current = await tx
        .select({ id: courseOutcomes.id })
        .from(courseOutcomes)
        .where(and(eq(courseOutcomes.courseId, courseId), isNull(courseOutcomes.archivedAt)))
        .for('update');
      const known = new Set(current.map((r) => r.id));
      if (orderedIds.length !== known.size || new Set(orderedIds).size !== orderedIds.length || !orderedIds.every((id) => known.has(id))) {
        throw new ConflictError('The list of outcomes changed while you were reordering.', 'EDIT_CONFLICT', 'Reload the page and reorder again.');
      }
      for (const [i, id] of orderedIds.entries()) {
        await tx
          .update(courseOutcomes)
          .set({ position: i + 1, lockVersion: sql`${courseOutcomes.lockVersion} + 1`, updatedAt: new Date() })
          .where(eq(courseOutcomes.id, id));
      }
    });
  }

  /** Other courses where this user is course staff: the sources they may copy outcomes from. */
  async coursesTaughtBy(userId: number, exceptCourseId: number) {
    return this.db
      .select({ id: courses.id, title: courses.title, label: courses.label })
      .from(courseMembers)
      .innerJoin(courses, eq(courses.id, courseMembers.courseId))
      .where(and(eq(courseMembers.userId, userId), eq(courseMembers.appRole, 'instructor'), eq(courseMembers.status, 'active'), ne(courses.id, exceptCourseId)))
      .orderBy(asc(courses.title));
  }

  /** Copies another course's active outcomes; only from a course the user teaches. Codes already here are skipped. */
  async copyFromCourse(targetCourseId: number, sourceCourseId: number, userId: number): Promise<{ copied: number; skipped: string[] }> {
    const taught = await this.coursesTaughtBy(userId, targetCourseId);
    if (!taught.some((c) => c.id === sourceCourseId)) throw new ForbiddenError('You can copy outcomes only from a course you teach.', 'NOT_COURSE_STAFF');
    const source = await this.list(sourceCourseId);
    const existing = new Set((await this.list(targetCourseId, { includeArchived: true })).map((o) => o.code));
    const fresh = source.filter((o) => !existing.has(o.code));
    await this.createMany(
      targetCourseId,
      fresh.map(({ code, title, description }) => ({ code, title, description })),
    );
    return { copied: fresh.length, skipped: source.filter((o) => existing.has(o.code)).map((o) => o.code) };
  }
}

export type CredentialVersionRow = typeof credentialVersions.$inferSelect;

export interface CredentialSummary {
  id: number;
  draft?: CredentialVersionRow;
  published?: CredentialVersionRow;
}

export class CredentialStore {
  constructor(private readonly db: Db) {}

  async create(courseId: number, actorId: number, definition: CredentialDefinition): Promise<{ credentialId: number; version: CredentialVersionRow }> {
    return this.db.transaction(async (tx) => {
      const [cred] = await tx.insert(credentials).values({ courseId, createdBy: actorId }).returning();
      const [version] = await tx.insert(credentialVersions).values({ credentialId: cred.id, versionNo: 1, definition }).returning();
      await tx.insert(credentialChanges).values({ credentialId: cred.id, versionId: version.id, actorId, action: 'created', summary: 'Draft created' });
      return { credentialId: cred.id, version };
    });
  }

  /** The course's credentials with their current draft and published versions. Learners pass publishedOnly. */
  async listForCourse(courseId: number, opts: { publishedOnly?: boolean } = {}): Promise<CredentialSummary[]> {
    const rows = await this.db
      .select({ version: credentialVersions })
      .from(credentialVersions)
      .innerJoin(credentials, eq(credentials.id, credentialVersions.credentialId))
      .where(and(eq(credentials.courseId, courseId), inArray(credentialVersions.status, opts.publishedOnly ? ['published'] : ['draft', 'published'])))
      .orderBy(asc(credentials.id));
    const byId = new Map<number, CredentialSummary>();
    for (const { version } of rows) {
      const s = byId.get(version.credentialId) ?? { id: version.credentialId };
      if (version.status === 'draft') s.draft = version;
      else s.published = version;
      byId.set(version.credentialId, s);
    }
    return [...byId.values()];
  }

  private async assertInCourse(courseId: number, credentialId: number) {
    const [cred] = await this.db
      .select()
      .from(credentials)
      .where(and(eq(credentials.id, credentialId), eq(credentials.courseId, courseId)));
    if (!cred) throw new NotFoundError('That credential does not exist in this course.');
    return cred;
  }

  async get(courseId: number, credentialId: number, opts: { publishedOnly?: boolean } = {}): Promise<CredentialSummary & { versions: CredentialVersionRow[] }> {
    await this.assertInCourse(courseId, credentialId);
    const versions = await this.db
      .select()
      .from(credentialVersions)
      .where(eq(credentialVersions.credentialId, credentialId))
      .orderBy(desc(credentialVersions.versionNo));
    const published = versions.find((v) => v.status === 'published');
    if (opts.publishedOnly && !published) throw new NotFoundError('That credential does not exist in this course.');
    return {
      id: credentialId,
      draft: opts.publishedOnly ? undefined : versions.find((v) => v.status === 'draft'),
      published,
      versions: opts.publishedOnly ? versions.filter((v) => v.status !== 'draft') : versions,
    };
  }

  async changeLog(courseId: number, credentialId: number) {
    await this.assertInCourse(courseId, credentialId);
    return this.db
      .select()
      .from(credentialChanges)
      .where(eq(credentialChanges.credentialId, credentialId))
      .orderBy(desc(credentialChanges.at), desc(credentialChanges.id));
  }

  /**
   * Saves the draft. `basedOn` is the version and lockVersion the person edited. Editing the
   * published (frozen) version starts a new draft version; editing a draft needs its current lock.
   */
  async saveDraft(
    courseId: number,
    credentialId: number,
    basedOn: { versionId: number; lockVersion: number },
    definition: CredentialDefinition,
    actorId: number,
    summary = 'Draft edited',
  ): Promise<CredentialVersionRow> {
    return this.writeDraft(courseId, credentialId, basedOn, { definition }, actorId, summary);
  }

  /**
   * Sets the badge image of the draft (null: back to the default design), with the same locking as
   * saveDraft: the published version's image is frozen, so changing it starts a new draft version.
   */
  async saveBadgeImage(
    courseId: number,
    credentialId: number,
    basedOn: { versionId: number; lockVersion: number },
    badgeImage: BadgeImageSpec | null,
    actorId: number,
  ): Promise<CredentialVersionRow> {
    const summary = badgeImage ? `Badge image ${badgeImage.kind === 'design' ? 'designed' : 'uploaded'}` : 'Badge image reset to the default';
    return this.writeDraft(courseId, credentialId, basedOn, { badgeImage }, actorId, summary);
  }

  private async writeDraft(
    courseId: number,
    credentialId: number,
    basedOn: { versionId: number; lockVersion: number },
    change: { definition?: CredentialDefinition; badgeImage?: BadgeImageSpec | null },
    actorId: number,
    summary: string,
  ): Promise<CredentialVersionRow> {
    await this.assertInCourse(courseId, credentialId);
    return this.db.transaction(async (tx) => {
      const [base] = await tx
        .select()
        .from(credentialVersions)
        .where(and(eq(credentialVersions.id, basedOn.versionId), eq(credentialVersions.credentialId, credentialId)))
        .for('update');
      if (!base) throw new NotFoundError('That version of the credential does not exist.');
      if (base.status === 'draft') {
        const [row] = await tx
          .update(credentialVersions)
          .set({ ...change, lockVersion: sql`${credentialVersions.lockVersion} + 1`, updatedAt: new Date() })
          .where(and(eq(credentialVersions.id, base.id), eq(credentialVersions.lockVersion, basedOn.lockVersion)))
          .returning();
        if (!row) throw staleMessage('credential');
        await tx.insert(credentialChanges).values({ credentialId, versionId: row.id, actorId, action: 'edited', summary });
        return row;
      }
      // Frozen: a new draft version, unless someone already started one (the partial unique index says so).
      if (base.lockVersion !== basedOn.lockVersion || base.status !== 'published') throw staleMessage('credential');
      const [{ top }] = await tx
        .select({ top: max(credentialVersions.versionNo) })
        .from(credentialVersions)
        .where(eq(credentialVersions.credentialId, credentialId));
      try {
        const [row] = await tx
          .insert(credentialVersions)
          // The new version starts as a copy of the published one: its definition and its badge image.
          .values({ credentialId, versionNo: (top ?? 0) + 1, definition: base.definition, badgeImage: base.badgeImage, ...change })
          .returning();
        await tx.insert(credentialChanges).values({
          credentialId,
          versionId: row.id,
          actorId,
          action: 'new-version',
          summary: `Version ${row.versionNo} started from version ${base.versionNo}: ${summary}`,
        });
        return row;
      } catch (e) {
        if (isUniqueViolation(e)) throw staleMessage('credential');
        throw e;
      }
    });
  }

  /**
   * Publishes the draft: it becomes the version learners see and new awards point at; the
   * previously published version is superseded (its awards keep pointing at it).
   * `check` gets the draft's definition and throws if it is not ready to issue.
   */
  async publish(
    courseId: number,
    credentialId: number,
    draft: { versionId: number; lockVersion: number },
    actorId: number,
    check: (definition: CredentialDefinition) => void,
  ): Promise<CredentialVersionRow> {
    await this.assertInCourse(courseId, credentialId);
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .select()
        .from(credentialVersions)
        .where(and(eq(credentialVersions.id, draft.versionId), eq(credentialVersions.credentialId, credentialId), eq(credentialVersions.status, 'draft')))
        .for('update');
      if (!row || row.lockVersion !== draft.lockVersion) throw staleMessage('credential');
      check(row.definition);
      await tx
        .update(credentialVersions)
        .set({ status: 'superseded', updatedAt: new Date() })
        .where(and(eq(credentialVersions.credentialId, credentialId), eq(credentialVersions.status, 'published')));
      const [published] = await tx
        .update(credentialVersions)
        .set({
          status: 'published',
          publishedAt: new Date(),
          publishedBy: actorId,
          lockVersion: sql`${credentialVersions.lockVersion} + 1`,
          updatedAt: new Date(),
        })
        .where(eq(credentialVersions.id, row.id))
        .returning();
      await tx
        .insert(credentialChanges)
        .values({ credentialId, versionId: row.id, actorId, action: 'published', summary: `Version ${row.versionNo} published` });
      return published;
    });
  }
}
