// Database access for assessment: attempts and their evidence, scoring, decisions, second
// marking, awards, the outbox and the audit log. Every method is scoped by course (and,
// for learners, by learner), so an id from elsewhere finds nothing. Every decision runs in
// one transaction with its audit rows and outbox events; uniqueness is left to the database.
import { createHash, randomUUID } from 'node:crypto';
import { and, asc, desc, eq, ilike, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { CredentialDefinition } from '../credentials/model';
import { evaluateCompletion } from '../credentials/completion';
import { type Db, isUniqueViolation, type Tx } from '../db/database';
import {
  assessments,
  auditLog,
  awards,
  courseAssessmentSettings,
  courseMembers,
  credentials,
  credentialVersions,
  evidenceItems,
  ltiUsers,
  storedFiles,
  submissions,
} from '../db/schema';
import { audit, emit } from '../jobs/events';
import { isCourseTeacher } from '../lti/roles';
import { AppError, ConflictError, ForbiddenError, NotFoundError } from '../errors';
import type { FileStorage } from './fileStorage';
import { type IdentityRecord, independenceProblem } from './identity';
import type { PriorBadgeReport } from './priorBadge';
import { countEvidence } from './progress';
import { gradeOf, scoreRubric } from './scoring';

export type SubmissionRow = typeof submissions.$inferSelect;
export type EvidenceRow = typeof evidenceItems.$inferSelect;
export type AssessmentRow = typeof assessments.$inferSelect;
export type AwardRow = typeof awards.$inferSelect;

export interface AssessmentSettings {
  assessorNotLearner: boolean;
  assessorNotTeacher: boolean;
  maxAttempts: number;
  /** Months after an award before the follow-up survey is due. */
  followUpMonths: number;
}

export const DEFAULT_SETTINGS: AssessmentSettings = { assessorNotLearner: true, assessorNotTeacher: false, maxAttempts: 3, followUpMonths: 6 };

export interface NewEvidence {
  criterionId: string | null;
  kind: 'file' | 'link' | 'reflection' | 'open-badge';
  title: string;
  url?: string;
  body?: string;
  file?: { filename: string; mimeType: string; content: Buffer };
  verification?: PriorBadgeReport;
}

export interface Decision {
  decision: 'accept' | 'return' | 'reject';
  levels: Record<string, string>;
  criterionComments: Record<string, string>;
  overallComment: string;
  identity: IdentityRecord;
  /** The submission's lockVersion the assessor saw: a decision on a changed submission is refused. */
  lockVersion: number;
}

const notYours = () => new NotFoundError('That submission does not exist, or it is not yours.');

export class AssessmentStore {
  constructor(
    private readonly db: Db,
    readonly files: FileStorage,
  ) {}

  // --- Settings ------------------------------------------------------------------

  /** `db` may be an open transaction: inside one, never take a second connection from the pool. */
  async settings(courseId: number, db: Tx = this.db): Promise<AssessmentSettings> {
    const [row] = await db.select().from(courseAssessmentSettings).where(eq(courseAssessmentSettings.courseId, courseId));
    return row
      ? {
          assessorNotLearner: row.assessorNotLearner,
          assessorNotTeacher: row.assessorNotTeacher,
          maxAttempts: row.maxAttempts,
          followUpMonths: row.followUpMonths,
        }
      : { ...DEFAULT_SETTINGS };
  }

  async saveSettings(courseId: number, actorId: number, next: AssessmentSettings) {
    await this.db.transaction(async (tx) => {
      const before = await this.settings(courseId, tx);
      await tx
        .insert(courseAssessmentSettings)
        .values({ courseId, ...next, updatedBy: actorId })
        .onConflictDoUpdate({ target: courseAssessmentSettings.courseId, set: { ...next, updatedBy: actorId, updatedAt: new Date() } });
      await audit(tx, { courseId, actorId, action: 'settings.changed', entityType: 'course', entityId: courseId, before: { ...before }, after: { ...next } });
    });
  }

  // --- Learner side ----------------------------------------------------------------

  /** The learner's attempts at a credential, newest first. */
  async attempts(courseId: number, credentialId: number, learnerId: number): Promise<SubmissionRow[]> {
    return this.db
      .select()
      .from(submissions)
      .where(and(eq(submissions.courseId, courseId), eq(submissions.credentialId, credentialId), eq(submissions.learnerId, learnerId)))
      .orderBy(desc(submissions.attemptNo));
  }

  async evidenceOf(submissionId: number): Promise<EvidenceRow[]> {
    return this.db.select().from(evidenceItems).where(eq(evidenceItems.submissionId, submissionId)).orderBy(asc(evidenceItems.position), asc(evidenceItems.id));
  }

  /**
   * A learner's dashboard in one round trip: each published credential of the course (in
   * credential order) with its title, the status of the learner's latest attempt and whether it
   * was awarded, and whether the learner holds any award here (only then can a survey be open).
   * The same answers as listForCourse (published only), the latest attempt's status and awardsOfLearner.
   */
  async learnerDashboard(
    courseId: number,
    learnerId: number,
  ): Promise<{ credentials: { id: number; title: string | null; status: string | null; awarded: boolean }[]; hasAwards: boolean }> {
    const { rows } = await this.db.execute<{ id: number | null; title: string | null; status: string | null; awarded: boolean; has_awards: boolean }>(sql`
      SELECT cv.credential_id AS id, cv.definition->>'title' AS title,
        (SELECT s.status FROM ${submissions} s WHERE s.course_id = ${courseId} AND s.learner_id = ${learnerId} AND s.credential_id = cv.credential_id
          ORDER BY s.attempt_no DESC LIMIT 1) AS status,
        EXISTS (SELECT 1 FROM ${awards} a WHERE a.course_id = ${courseId} AND a.learner_id = ${learnerId} AND a.credential_id = cv.credential_id) AS awarded,
        has.any AS has_awards
      FROM (SELECT EXISTS (SELECT 1 FROM ${awards} a WHERE a.course_id = ${courseId} AND a.learner_id = ${learnerId}) AS any) has
      LEFT JOIN (${credentialVersions} cv JOIN ${credentials} c ON c.id = cv.credential_id AND c.course_id = ${courseId}) ON cv.status = 'published'
      ORDER BY c.id`);
    return {
      credentials: rows.filter((r) => r.id !== null).map((r) => ({ id: Number(r.id), title: r.title, status: r.status, awarded: r.awarded })),
      hasAwards: rows[0]?.has_awards ?? false,
    };
  }

  /** The definition an attempt was made against (published versions are frozen). */
  async definitionOfVersion(versionId: number): Promise<CredentialDefinition> {
    const [row] = await this.db.select({ definition: credentialVersions.definition }).from(credentialVersions).where(eq(credentialVersions.id, versionId));
    if (!row) throw new NotFoundError('That credential version does not exist.');
    return row.definition;
  }

  /** The learner's own attempt, or a 404. */
  async ownSubmission(courseId: number, learnerId: number, submissionId: number): Promise<SubmissionRow> {
    const [row] = await this.db
      .select()
      .from(submissions)
      .where(and(eq(submissions.id, submissionId), eq(submissions.courseId, courseId), eq(submissions.learnerId, learnerId)));
    if (!row) throw notYours();
    return row;
  }

  /**
   * The learner's draft, created if there is none: the first attempt, or a resubmission
   * after a returned attempt (its evidence is carried over and it goes to the same assessor).
   */
  async openDraft(courseId: number, credentialId: number, learnerId: number): Promise<SubmissionRow> {
    const [published] = await this.db
      .select({ id: credentialVersions.id })
      .from(credentialVersions)
      .innerJoin(credentials, eq(credentials.id, credentialVersions.credentialId))
      .where(and(eq(credentials.id, credentialId), eq(credentials.courseId, courseId), eq(credentialVersions.status, 'published')));
    if (!published) throw new NotFoundError('That credential is not offered in this course.');
    const settings = await this.settings(courseId);
    try {
      return await this.db.transaction(async (tx) => {
        const [latest] = await tx
          .select()
          .from(submissions)
          .where(and(eq(submissions.credentialId, credentialId), eq(submissions.learnerId, learnerId)))
          .orderBy(desc(submissions.attemptNo))
          .limit(1);
        if (latest && (latest.status === 'draft' || latest.status === 'submitted')) return latest;
        if (latest?.status === 'accepted') throw new ConflictError('This credential has already been awarded to you.', 'ALREADY_AWARDED');
        if (latest?.status === 'rejected')
          throw new ForbiddenError(
            'Your submission was rejected, so it cannot be resubmitted.',
            'SUBMISSION_REJECTED',
            'Read the assessor’s feedback, and ask your teacher if you think this is wrong.',
          );
        if (latest && latest.attemptNo >= settings.maxAttempts) {
          throw new ForbiddenError(
            `You have used all ${settings.maxAttempts} attempts for this credential.`,
            'NO_ATTEMPTS_LEFT',
            'Ask your teacher whether another attempt can be allowed.',
          );
        }
        const prior = latest
          ? await tx
              .select({ assessorId: assessments.assessorId })
              .from(assessments)
              .where(and(eq(assessments.submissionId, latest.id), eq(assessments.role, 'primary')))
          : [];
        const [draft] = await tx
          .insert(submissions)
          .values({
            courseId,
            credentialId,
            credentialVersionId: published.id,
            learnerId,
            attemptNo: (latest?.attemptNo ?? 0) + 1,
            assignedAssessorId: prior[0]?.assessorId ?? null,
          })
          .returning();
        if (latest) {
          // A resubmission starts from what was handed in before; the learner adds or removes from there.
          const carried = await tx.select().from(evidenceItems).where(eq(evidenceItems.submissionId, latest.id));
          if (carried.length) {
            await tx
              .insert(evidenceItems)
              .values(carried.map(({ id: _id, createdAt: _c, submissionId: _s, ...item }) => ({ ...item, submissionId: draft.id })));
          }
        }
        await audit(tx, {
          courseId,
          actorId: learnerId,
          action: latest ? 'submission.resubmission-started' : 'submission.started',
          entityType: 'submission',
          entityId: draft.id,
          after: { attemptNo: draft.attemptNo, credentialId, assignedAssessorId: draft.assignedAssessorId },
        });
        return draft;
      });
    } catch (e) {
      // Two tabs starting at once: the partial unique index let one in; use it.
      if (isUniqueViolation(e)) {
        const [open] = await this.db
          .select()
          .from(submissions)
          .where(and(eq(submissions.credentialId, credentialId), eq(submissions.learnerId, learnerId), inArray(submissions.status, ['draft', 'submitted'])));
        if (open) return open;
      }
      throw e;
    }
  }

  private async lockDraft(tx: Tx, courseId: number, learnerId: number, submissionId: number): Promise<SubmissionRow> {
    const [row] = await tx
      .select()
      .from(submissions)
      .where(and(eq(submissions.id, submissionId), eq(submissions.courseId, courseId), eq(submissions.learnerId, learnerId)))
      .for('update');
    if (!row) throw notYours();
    if (row.status !== 'draft')
      throw new ConflictError(
        'This attempt has been submitted and can no longer change.',
        'SUBMISSION_FROZEN',
        'Start a resubmission if the assessor returned it.',
      );
    return row;
  }

  async addEvidence(courseId: number, learnerId: number, submissionId: number, item: NewEvidence): Promise<EvidenceRow> {
    return this.db.transaction(async (tx) => {
      await this.lockDraft(tx, courseId, learnerId, submissionId);
      let fileId: string | null = null;
      if (item.file) {
        fileId = randomUUID();
        await tx.insert(storedFiles).values({
          id: fileId,
          courseId,
          ownerId: learnerId,
          filename: item.file.filename,
          mimeType: item.file.mimeType,
          sizeBytes: item.file.content.length,
          sha256: createHash('sha256').update(item.file.content).digest('hex'),
          storage: this.files.kind,
        });
        await this.files.put(tx, fileId, item.file.content);
      }
      const [row] = await tx
        .insert(evidenceItems)
        .values({
          submissionId,
          criterionId: item.criterionId,
          kind: item.kind,
          title: item.title,
          url: item.url ?? null,
          body: item.body ?? null,
          fileId,
          verification: item.verification ?? null,
          position: sql`(SELECT coalesce(max(position), 0) + 1 FROM evidence_items WHERE submission_id = ${submissionId})`,
        })
        .returning();
      await tx
        .update(submissions)
        .set({ lockVersion: sql`${submissions.lockVersion} + 1` })
        .where(eq(submissions.id, submissionId));
      await audit(tx, {
        courseId,
        actorId: learnerId,
        action: 'evidence.added',
        entityType: 'submission',
        entityId: submissionId,
        after: { evidenceId: row.id, kind: row.kind, title: row.title, criterionId: row.criterionId, fileId },
      });
      return row;
    });
  }

  async removeEvidence(courseId: number, learnerId: number, submissionId: number, evidenceId: number) {
    await this.db.transaction(async (tx) => {
      await this.lockDraft(tx, courseId, learnerId, submissionId);
      const [gone] = await tx
        .delete(evidenceItems)
        .where(and(eq(evidenceItems.id, evidenceId), eq(evidenceItems.submissionId, submissionId)))
        .returning();
      if (!gone) throw new NotFoundError('That piece of evidence is not in your draft.');
      await tx
        .update(submissions)
        .set({ lockVersion: sql`${submissions.lockVersion} + 1` })
        .where(eq(submissions.id, submissionId));
      await audit(tx, {
        courseId,
        actorId: learnerId,
        action: 'evidence.removed',
        entityType: 'submission',
        entityId: submissionId,
        before: { evidenceId: gone.id, kind: gone.kind, title: gone.title, criterionId: gone.criterionId },
      });
    });
  }

  /** Freezes the draft and hands it in. Missing evidence is refused with the list of what is needed. */
  async submit(courseId: number, learnerId: number, submissionId: number, launchIdentity: IdentityRecord): Promise<SubmissionRow> {
    return this.db.transaction(async (tx) => {
      const draft = await this.lockDraft(tx, courseId, learnerId, submissionId);
      const [version] = await tx.select().from(credentialVersions).where(eq(credentialVersions.id, draft.credentialVersionId));
      const items = await tx.select().from(evidenceItems).where(eq(evidenceItems.submissionId, submissionId));
      const missing = evaluateCompletion(version.definition, { acceptedLevels: {}, evidence: countEvidence(items) }).unmet.filter(
        (u) => u.condition === 'required-evidence-present',
      );
      if (missing.length) {
        throw new AppError(
          `Some evidence is still missing: ${missing.map((m) => m.message).join(' ')}`,
          422,
          'EVIDENCE_MISSING',
          'Add it to your draft, then submit again. Your draft is saved.',
        );
      }
      const [row] = await tx
        .update(submissions)
        .set({ status: 'submitted', submittedAt: new Date(), launchIdentity, lockVersion: sql`${submissions.lockVersion} + 1` })
        .where(eq(submissions.id, submissionId))
        .returning();
      await audit(tx, {
        courseId,
        actorId: learnerId,
        action: 'submission.submitted',
        entityType: 'submission',
        entityId: submissionId,
        before: { status: 'draft' },
        after: { status: 'submitted', attemptNo: row.attemptNo, evidence: items.length },
      });
      await emit(tx, {
        type: 'submission.submitted',
        subjectId: row.id,
        payload: { courseId, credentialId: row.credentialId, learnerId, submissionId: row.id, attemptNo: row.attemptNo },
      });
      return row;
    });
  }

  // --- Files --------------------------------------------------------------------------

  /**
   * A stored file, if this person may see it: its owner, or staff who may assess the course.
   * Checked on every request; the id alone (a random UUID) grants nothing.
   */
  async fileFor(courseId: number, viewer: { userId: number; assessor: boolean }, fileId: string) {
    if (!/^[0-9a-f-]{36}$/.test(fileId)) throw new NotFoundError('That file does not exist.');
    const [meta] = await this.db
      .select()
      .from(storedFiles)
      .where(and(eq(storedFiles.id, fileId), eq(storedFiles.courseId, courseId)));
    if (!meta || (meta.ownerId !== viewer.userId && !viewer.assessor)) throw new NotFoundError('That file does not exist, or you may not open it.');
    const content = await this.files.get(this.db, fileId);
    if (!content)
      throw new NotFoundError(
        'The file’s content is missing from storage.',
        'FILE_CONTENT_MISSING',
        'Tell your administrator; the file record exists but its bytes do not.',
      );
    return { meta, content };
  }

  // --- Assessor side ----------------------------------------------------------------

  /** The queue: submissions of this course with learner, credential title and assessments, filtered. */
  async queue(courseId: number, filter: { credentialId?: number; status?: string; learner?: string; assessorId?: number }) {
    const conditions: SQL[] = [eq(submissions.courseId, courseId), sql`${submissions.status} <> 'draft'`];
    if (filter.credentialId) conditions.push(eq(submissions.credentialId, filter.credentialId));
    if (filter.learner) {
      const like = `%${filter.learner.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      conditions.push(or(ilike(ltiUsers.name, like), ilike(ltiUsers.email, like))!);
    }
    const base = and(...conditions);
    const rows = await this.db
      .select({ submission: submissions, learnerName: ltiUsers.name, learnerEmail: ltiUsers.email, definition: credentialVersions.definition })
      .from(submissions)
      .innerJoin(ltiUsers, eq(ltiUsers.id, submissions.learnerId))
      .innerJoin(credentialVersions, eq(credentialVersions.id, submissions.credentialVersionId))
      .where(
        filter.status === 'second-marking'
          ? and(
              base,
              sql`EXISTS (SELECT 1 FROM assessments a WHERE a.submission_id = ${submissions.id} AND a.role = 'second' AND a.status = 'requested' AND a.assessor_id = ${filter.assessorId ?? 0})`,
            )
          : filter.status
            ? and(base, eq(submissions.status, filter.status))
            : base,
      )
      .orderBy(asc(submissions.submittedAt));
    const counts = await this.db
      .select({ status: submissions.status, n: sql<number>`count(*)::int` })
      .from(submissions)
      .innerJoin(ltiUsers, eq(ltiUsers.id, submissions.learnerId))
      .where(base)
      .groupBy(submissions.status);
    const [second] = await this.db
      .select({ n: sql<number>`count(*)::int` })
      .from(assessments)
      .innerJoin(submissions, eq(submissions.id, assessments.submissionId))
      .where(
        and(
          eq(submissions.courseId, courseId),
          eq(assessments.role, 'second'),
          eq(assessments.status, 'requested'),
          eq(assessments.assessorId, filter.assessorId ?? 0),
        ),
      );
    return {
      rows: rows.map((r) => ({
        ...r.submission,
        learnerName: r.learnerName ?? r.learnerEmail ?? `Learner ${r.submission.learnerId}`,
        credentialTitle: r.definition.title ?? 'Untitled',
      })),
      counts: { ...Object.fromEntries(counts.map((c) => [c.status, c.n])), 'second-marking': second?.n ?? 0 } as Record<string, number>,
    };
  }

  /** One submission for staff of its course, with everything the scoring page shows. */
  async forAssessor(courseId: number, submissionId: number) {
    const [row] = await this.db
      .select({ submission: submissions, learnerName: ltiUsers.name, learnerEmail: ltiUsers.email, version: credentialVersions })
      .from(submissions)
      .innerJoin(ltiUsers, eq(ltiUsers.id, submissions.learnerId))
      .innerJoin(credentialVersions, eq(credentialVersions.id, submissions.credentialVersionId))
      .where(and(eq(submissions.id, submissionId), eq(submissions.courseId, courseId)));
    if (!row || row.submission.status === 'draft') throw new NotFoundError('That submission does not exist in this course.');
    const [evidence, marks, history] = await Promise.all([
      this.evidenceOf(submissionId),
      this.db
        .select({ assessment: assessments, assessorName: ltiUsers.name })
        .from(assessments)
        .innerJoin(ltiUsers, eq(ltiUsers.id, assessments.assessorId))
        .where(eq(assessments.submissionId, submissionId))
        .orderBy(asc(assessments.id)),
      this.attempts(courseId, row.submission.credentialId, row.submission.learnerId),
    ]);
    return {
      submission: row.submission,
      learnerName: row.learnerName ?? row.learnerEmail ?? `Learner ${row.submission.learnerId}`,
      definition: row.version.definition,
      evidence,
      assessments: marks.map((m) => ({ ...m.assessment, assessorName: m.assessorName ?? `User ${m.assessment.assessorId}` })),
      attempts: history,
    };
  }

  /** Decided primary assessments of a learner's attempts, for feedback (learner side). */
  async decisionsFor(submissionIds: number[]) {
    if (submissionIds.length === 0) return [];
    return this.db
      .select({ assessment: assessments, assessorName: ltiUsers.name })
      .from(assessments)
      .innerJoin(ltiUsers, eq(ltiUsers.id, assessments.assessorId))
      .where(and(inArray(assessments.submissionId, submissionIds), eq(assessments.role, 'primary'), eq(assessments.status, 'completed')));
  }

  /** The course's staff who could be asked to mark (for the second-marking picker). */
  async courseStaff(courseId: number) {
    return this.db
      .select({ id: ltiUsers.id, name: ltiUsers.name, email: ltiUsers.email, roles: courseMembers.roles })
      .from(courseMembers)
      .innerJoin(ltiUsers, eq(ltiUsers.id, courseMembers.userId))
      .where(and(eq(courseMembers.courseId, courseId), eq(courseMembers.appRole, 'instructor'), eq(courseMembers.status, 'active')))
      .orderBy(asc(ltiUsers.name));
  }

  private async assertMayAssess(tx: Tx, courseId: number, assessorId: number, learnerId: number) {
    const settings = await this.settings(courseId, tx);
    const [member] = await tx
      .select({ roles: courseMembers.roles, appRole: courseMembers.appRole })
      .from(courseMembers)
      .where(and(eq(courseMembers.courseId, courseId), eq(courseMembers.userId, assessorId)));
    if (!member || member.appRole !== 'instructor') throw new ForbiddenError('Only the course’s staff can assess its submissions.', 'NOT_COURSE_STAFF');
    const problem = independenceProblem(settings, { id: assessorId, isCourseTeacher: isCourseTeacher(member.roles) }, learnerId);
    if (problem) throw new ForbiddenError(problem, 'ASSESSOR_NOT_INDEPENDENT', 'Ask another assessor of this course to score it.');
  }

  /** Whether this person may assess this learner under the course's independence rules (for the page). */
  async independenceFor(courseId: number, assessorId: number, learnerId: number): Promise<string | undefined> {
    try {
      await this.assertMayAssess(this.db, courseId, assessorId, learnerId);
      return undefined;
    } catch (e) {
      if (e instanceof AppError) return e.message;
      throw e;
    }
  }

  /**
   * The primary assessor's decision: scores, comments, identity and accept / return /
   * reject, in one transaction with the audit log, the outbox and, on accept, the award.
   */
  async decide(
    courseId: number,
    submissionId: number,
    assessorId: number,
    d: Decision,
  ): Promise<{ submission: SubmissionRow; assessment: AssessmentRow; award?: AwardRow }> {
    return this.db.transaction(async (tx) => {
      const [sub] = await tx
        .select()
        .from(submissions)
        .where(and(eq(submissions.id, submissionId), eq(submissions.courseId, courseId)))
        .for('update');
      if (!sub || sub.status === 'draft') throw new NotFoundError('That submission does not exist in this course.');
      await this.assertMayAssess(tx, courseId, assessorId, sub.learnerId);
      if (sub.status !== 'submitted' || sub.lockVersion !== d.lockVersion) {
        throw new ConflictError(
          'This submission was decided or changed after you opened it.',
          'ALREADY_DECIDED',
          'Your scores are kept in the form. Reload to see the current decision.',
        );
      }
      const [version] = await tx.select().from(credentialVersions).where(eq(credentialVersions.id, sub.credentialVersionId));
      const def = version.definition;
      const score = scoreRubric(def.rubric.criteria, d.levels);
      if (score.missing.length)
        throw new AppError('Choose a level for every criterion before deciding.', 422, 'LEVELS_MISSING', 'The criteria without a level are marked.');
      const items = await tx.select().from(evidenceItems).where(eq(evidenceItems.submissionId, submissionId));
      if (d.decision === 'accept') {
        const unmet = evaluateCompletion(def, { acceptedLevels: d.levels, evidence: countEvidence(items), identityVerification: d.identity }).unmet;
        if (unmet.length) {
          throw new AppError(
            `This submission cannot be accepted yet: ${unmet.map((u) => u.message).join(' ')}`,
            422,
            'COMPLETION_NOT_MET',
            'Return it for resubmission with feedback, or correct the scores or the identity record.',
          );
        }
      }
      const [existing] = await tx
        .select()
        .from(assessments)
        .where(and(eq(assessments.submissionId, submissionId), eq(assessments.assessorId, assessorId)));
      if (existing && existing.role !== 'primary')
        throw new ConflictError(
          'You were asked to second-mark this submission, so you cannot also decide it.',
          'SECOND_MARKER',
          'Use the second-marking form instead.',
        );
      const values = {
        status: 'completed',
        decision: d.decision,
        levels: d.levels,
        criterionComments: d.criterionComments,
        overallComment: d.overallComment,
        identity: d.identity,
        completedAt: new Date(),
      };
      const [assessment] = existing
        ? await tx.update(assessments).set(values).where(eq(assessments.id, existing.id)).returning()
        : await tx
            .insert(assessments)
            .values({ submissionId, assessorId, role: 'primary', ...values })
            .returning();
      const status = d.decision === 'accept' ? 'accepted' : d.decision === 'return' ? 'returned' : 'rejected';
      const [decided] = await tx
        .update(submissions)
        .set({ status, decidedAt: new Date(), assignedAssessorId: assessorId, lockVersion: sql`${submissions.lockVersion} + 1` })
        .where(eq(submissions.id, submissionId))
        .returning();
      await audit(tx, {
        courseId,
        actorId: assessorId,
        action: 'assessment.decided',
        entityType: 'submission',
        entityId: submissionId,
        before: { status: sub.status, assignedAssessorId: sub.assignedAssessorId },
        after: {
          status,
          decision: d.decision,
          assessmentId: assessment.id,
          levels: d.levels,
          points: score.points,
          percent: score.percent,
          criterionComments: d.criterionComments,
          overallComment: d.overallComment,
        },
      });
      await audit(tx, {
        courseId,
        actorId: assessorId,
        action: 'identity.recorded',
        entityType: 'assessment',
        entityId: assessment.id,
        after: { ...d.identity },
      });
      await emit(tx, {
        type: 'assessment.decided',
        subjectId: assessment.id,
        payload: {
          courseId,
          credentialId: sub.credentialId,
          learnerId: sub.learnerId,
          submissionId,
          decision: d.decision,
          points: score.points,
          maxPoints: score.maxPoints,
          percent: score.percent,
        },
      });
      const award = d.decision === 'accept' ? await this.awardIn(tx, courseId, sub.credentialId, sub.learnerId, assessorId) : undefined;
      return { submission: decided, assessment, award };
    });
  }

  /**
   * Awards the credential if the completion rule holds for the learner's accepted attempt.
   * Safe to call any number of times at once: the unique index on (credential, learner)
   * admits one award, and its event is written in the same transaction.
   */
  async tryAward(courseId: number, credentialId: number, learnerId: number, actorId: number | null = null): Promise<AwardRow | undefined> {
    return this.db.transaction((tx) => this.awardIn(tx, courseId, credentialId, learnerId, actorId));
  }

  private async awardIn(tx: Tx, courseId: number, credentialId: number, learnerId: number, actorId: number | null): Promise<AwardRow | undefined> {
    const [accepted] = await tx
      .select({ submission: submissions, assessment: assessments, version: credentialVersions })
      .from(submissions)
      .innerJoin(assessments, and(eq(assessments.submissionId, submissions.id), eq(assessments.role, 'primary'), eq(assessments.decision, 'accept')))
      .innerJoin(credentialVersions, eq(credentialVersions.id, submissions.credentialVersionId))
      .where(
        and(
          eq(submissions.courseId, courseId),
          eq(submissions.credentialId, credentialId),
          eq(submissions.learnerId, learnerId),
          eq(submissions.status, 'accepted'),
        ),
      )
      .orderBy(desc(submissions.attemptNo))
      .limit(1);
    if (!accepted) return undefined;
    const def = accepted.version.definition;
    const items = await tx.select().from(evidenceItems).where(eq(evidenceItems.submissionId, accepted.submission.id));
    // An accepted decision always recorded an identity (decide() requires one).
    const identity = accepted.assessment.identity!;
    const completion = evaluateCompletion(def, { acceptedLevels: accepted.assessment.levels, evidence: countEvidence(items), identityVerification: identity });
    if (!completion.earned) return undefined;
    const score = scoreRubric(def.rubric.criteria, accepted.assessment.levels);
    const grade = gradeOf(def, score);
    const [award] = await tx
      .insert(awards)
      .values({
        courseId,
        credentialId,
        credentialVersionId: accepted.submission.credentialVersionId,
        learnerId,
        submissionId: accepted.submission.id,
        assessmentId: accepted.assessment.id,
        assessorId: accepted.assessment.assessorId,
        rubricResults: score.results.map((r) => ({ ...r, comment: accepted.assessment.criterionComments[r.criterionId] ?? '' })),
        evidenceRefs: items.map((i) => ({ evidenceId: i.id, kind: i.kind, title: i.title, criterionId: i.criterionId, url: i.url, fileId: i.fileId })),
        identity,
        grade: grade ?? null,
      })
      .onConflictDoNothing({ target: [awards.credentialId, awards.learnerId] })
      .returning();
    if (!award) return undefined;
    await audit(tx, {
      courseId,
      actorId,
      action: 'award.created',
      entityType: 'award',
      entityId: award.id,
      after: {
        credentialId,
        credentialVersionId: award.credentialVersionId,
        learnerId,
        submissionId: award.submissionId,
        assessmentId: award.assessmentId,
        grade: grade?.text ?? null,
      },
    });
    await emit(tx, {
      type: 'award.created',
      subjectId: award.id,
      payload: { awardId: award.id, courseId, credentialId, credentialVersionId: award.credentialVersionId, learnerId },
    });
    return award;
  }

  async awardFor(courseId: number, credentialId: number, learnerId: number): Promise<AwardRow | undefined> {
    const [row] = await this.db
      .select()
      .from(awards)
      .where(and(eq(awards.courseId, courseId), eq(awards.credentialId, credentialId), eq(awards.learnerId, learnerId)));
    return row;
  }

  async awardById(awardId: number): Promise<AwardRow | undefined> {
    const [row] = await this.db.select().from(awards).where(eq(awards.id, awardId));
    return row;
  }

  /** Lets the learner choose whether one piece of their evidence is public on their badge. */
  async setEvidenceShared(learnerId: number, evidenceId: number, shared: boolean) {
    const [row] = await this.db
      .update(evidenceItems)
      .set({ shared })
      .where(and(eq(evidenceItems.id, evidenceId), sql`${evidenceItems.submissionId} IN (SELECT id FROM submissions WHERE learner_id = ${learnerId})`))
      .returning({ id: evidenceItems.id });
    if (!row) throw new NotFoundError('That evidence is not yours.');
  }

  async awardsOfLearner(courseId: number, learnerId: number): Promise<AwardRow[]> {
    return this.db
      .select()
      .from(awards)
      .where(and(eq(awards.courseId, courseId), eq(awards.learnerId, learnerId)));
  }

  // --- Second marking --------------------------------------------------------------

  /** Asks another member of staff to score a submission blind. */
  async requestSecondMarking(courseId: number, submissionId: number, requesterId: number, assessorId: number): Promise<AssessmentRow> {
    return this.db.transaction(async (tx) => {
      const [sub] = await tx
        .select()
        .from(submissions)
        .where(and(eq(submissions.id, submissionId), eq(submissions.courseId, courseId)))
        .for('update');
      if (!sub || sub.status === 'draft') throw new NotFoundError('That submission does not exist in this course.');
      await this.assertMayAssess(tx, courseId, assessorId, sub.learnerId);
      const [primary] = await tx
        .select()
        .from(assessments)
        .where(and(eq(assessments.submissionId, submissionId), eq(assessments.role, 'primary')));
      if (primary?.assessorId === assessorId || (!primary && sub.assignedAssessorId === assessorId)) {
        throw new ConflictError('The second marker must be someone other than the primary assessor.', 'SAME_ASSESSOR', 'Choose another member of staff.');
      }
      const [row] = await tx
        .insert(assessments)
        .values({ submissionId, assessorId, role: 'second', requestedBy: requesterId })
        .onConflictDoNothing()
        .returning();
      if (!row) throw new ConflictError('That person has already been asked to mark this submission.', 'ALREADY_REQUESTED');
      await audit(tx, {
        courseId,
        actorId: requesterId,
        action: 'second-marking.requested',
        entityType: 'submission',
        entityId: submissionId,
        after: { assessmentId: row.id, assessorId },
      });
      return row;
    });
  }

  /** The second marker's blind scores. Only the person asked can give them, once. */
  async completeSecondMarking(
    courseId: number,
    submissionId: number,
    assessorId: number,
    input: { levels: Record<string, string>; criterionComments: Record<string, string>; overallComment: string },
  ) {
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .select({ assessment: assessments, version: credentialVersions })
        .from(assessments)
        .innerJoin(submissions, eq(submissions.id, assessments.submissionId))
        .innerJoin(credentialVersions, eq(credentialVersions.id, submissions.credentialVersionId))
        .where(
          and(
            eq(assessments.submissionId, submissionId),
            eq(submissions.courseId, courseId),
            eq(assessments.assessorId, assessorId),
            eq(assessments.role, 'second'),
          ),
        )
        .for('update', { of: assessments });
      if (!row) throw new ForbiddenError('You have not been asked to second-mark this submission.', 'NOT_SECOND_MARKER');
      if (row.assessment.status === 'completed') throw new ConflictError('You have already given your second marking for this submission.', 'ALREADY_MARKED');
      const score = scoreRubric(row.version.definition.rubric.criteria, input.levels);
      if (score.missing.length) throw new AppError('Choose a level for every criterion.', 422, 'LEVELS_MISSING', 'The criteria without a level are marked.');
      const [done] = await tx
        .update(assessments)
        .set({ ...input, status: 'completed', completedAt: new Date() })
        .where(eq(assessments.id, row.assessment.id))
        .returning();
      await audit(tx, {
        courseId,
        actorId: assessorId,
        action: 'second-marking.completed',
        entityType: 'submission',
        entityId: submissionId,
        before: { status: 'requested' },
        after: {
          assessmentId: done.id,
          levels: input.levels,
          points: score.points,
          criterionComments: input.criterionComments,
          overallComment: input.overallComment,
        },
      });
      return done;
    });
  }

  /** Takes over a submission assigned to someone else (audited). */
  async reassign(courseId: number, submissionId: number, assessorId: number) {
    await this.db.transaction(async (tx) => {
      const [sub] = await tx
        .select()
        .from(submissions)
        .where(and(eq(submissions.id, submissionId), eq(submissions.courseId, courseId), eq(submissions.status, 'submitted')))
        .for('update');
      if (!sub) throw new NotFoundError('That submission is not waiting for assessment.');
      await this.assertMayAssess(tx, courseId, assessorId, sub.learnerId);
      await tx
        .update(submissions)
        .set({ assignedAssessorId: assessorId, lockVersion: sql`${submissions.lockVersion} + 1` })
        .where(eq(submissions.id, submissionId));
      await audit(tx, {
        courseId,
        actorId: assessorId,
        action: 'submission.reassigned',
        entityType: 'submission',
        entityId: submissionId,
        before: { assignedAssessorId: sub.assignedAssessorId },
        after: { assignedAssessorId: assessorId },
      });
    });
  }

  /** The audit trail of a course, newest first (staff page). */
  async auditTrail(courseId: number, opts: { entityType?: string; entityId?: number; limit?: number } = {}) {
    const conditions: SQL[] = [eq(auditLog.courseId, courseId)];
    if (opts.entityType) conditions.push(eq(auditLog.entityType, opts.entityType));
    if (opts.entityId) conditions.push(eq(auditLog.entityId, opts.entityId));
    return this.db
      .select({ entry: auditLog, actorName: ltiUsers.name })
      .from(auditLog)
      .leftJoin(ltiUsers, eq(ltiUsers.id, auditLog.actorId))
      .where(and(...conditions))
      .orderBy(desc(auditLog.at), desc(auditLog.id))
      .limit(opts.limit ?? 200);
  }
}
