// Database access for quality assurance: survey aggregates (never below the privacy floor),
// annual reviews, and the figures of the QA dashboard. Everything here reads counts and
// anonymous answers; nothing returns a learner's identity.
import { and, count, desc, eq, inArray, isNotNull, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Db } from '../db/database';
import {
  assessments,
  awards,
  courseMembers,
  courses,
  credentialChanges,
  credentialReviews,
  credentialVersions,
  credentials,
  issuedCredentials,
  submissions,
  surveyResponses,
} from '../db/schema';
import { ConflictError } from '../errors';
import { type CredentialFigures, credentialFigures } from './figures';
import { PRIVACY_FLOOR, netPromoterScore, type ScaleSummary, summariseScale } from './metrics';

/** A review is due this many months after the last one (or after first publication). */
export const REVIEW_INTERVAL_MONTHS = 12;

export interface SurveySummary {
  /** Answers to the survey right after the award. */
  awardResponses: number;
  satisfaction: ScaleSummary;
  relevance: ScaleSummary;
  recommend: ScaleSummary;
  /** Net Promoter Score from "would recommend"; undefined below the floor. */
  netPromoter?: number;
  /** Answers to the follow-up (was the learning applied?). */
  followUpResponses: number;
  applied: ScaleSummary;
  /** Free-text comments, only from PRIVACY_FLOOR answers of that survey up; newest first. */
  comments?: { kind: 'award' | 'follow-up'; text: string }[];
}

export interface ReviewRow {
  id: number;
  credentialId: number;
  versionNo: number;
  summary: string;
  changesMade: string;
  reviewedAt: Date;
}

export interface ReviewState {
  lastReviewedAt?: Date;
  /** When the next review is due: a year after the last, or a year after first publication. */
  dueAt?: Date;
  overdue: boolean;
}

export function addMonths(date: Date, months: number): Date {
  const d = new Date(date.getTime());
  d.setUTCMonth(d.getUTCMonth() + months);
  return d;
}

/** Everything the QA dashboard shows for one published credential. */
export interface CredentialQuality {
  credentialId: number;
  courseId: number;
  courseTitle: string;
  title: string;
  versionNo: number;
  figures: CredentialFigures;
  survey: SurveySummary;
  review: ReviewState;
}

/** Rows by their credential id. */
function byCredential<T extends { credentialId: number }>(rows: T[]): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const row of rows) {
    const list = out.get(row.credentialId);
    if (list) list.push(row);
    else out.set(row.credentialId, [row]);
  }
  return out;
}

export class QaStore {
  constructor(private readonly db: Db) {}

  /**
   * The dashboard figures of published credentials: one course's (instructors) or the whole
   * institution's (admins). Seven queries whatever the number of credentials and learners.
   */
  async quality(scope: { courseId?: number; credentialId?: number } = {}): Promise<CredentialQuality[]> {
    const where: SQL[] = [eq(credentialVersions.status, 'published')];
    if (scope.courseId !== undefined) where.push(eq(credentials.courseId, scope.courseId));
    if (scope.credentialId !== undefined) where.push(eq(credentials.id, scope.credentialId));
    const offered = await this.db
      .select({
        credentialId: credentials.id,
        courseId: credentials.courseId,
        courseTitle: courses.title,
        courseLabel: courses.label,
        versionNo: credentialVersions.versionNo,
        definition: credentialVersions.definition,
      })
      .from(credentialVersions)
      .innerJoin(credentials, eq(credentials.id, credentialVersions.credentialId))
      .innerJoin(courses, eq(courses.id, credentials.courseId))
      .where(and(...where))
      .orderBy(courses.title, credentials.id);
    if (offered.length === 0) return [];
    const ids = offered.map((o) => o.credentialId);
    const courseIds = [...new Set(offered.map((o) => o.courseId))];
    const second = alias(assessments, 'second_assessment');
    const [enrolled, attempts, awarded, revoked, pairs, surveys, reviews] = await Promise.all([
      this.db
        .select({ courseId: courseMembers.courseId, n: count() })
        .from(courseMembers)
        .where(and(inArray(courseMembers.courseId, courseIds), eq(courseMembers.appRole, 'learner'), eq(courseMembers.status, 'active')))
        .groupBy(courseMembers.courseId),
      this.db
        .select({
          credentialId: submissions.credentialId,
          learnerId: submissions.learnerId,
          attemptNo: submissions.attemptNo,
          status: submissions.status,
          submittedAt: submissions.submittedAt,
        })
        .from(submissions)
        .where(inArray(submissions.credentialId, ids)),
      this.db
        .select({ credentialId: awards.credentialId, learnerId: awards.learnerId, awardedAt: awards.awardedAt })
        .from(awards)
        .where(inArray(awards.credentialId, ids)),
      this.db
        .select({ credentialId: issuedCredentials.credentialId, n: count() })
        .from(issuedCredentials)
        .where(and(inArray(issuedCredentials.credentialId, ids), isNotNull(issuedCredentials.revokedAt)))
        .groupBy(issuedCredentials.credentialId),
      // Second-marked attempts: the primary and the second assessor's completed scorings.
      this.db
        .select({ credentialId: submissions.credentialId, definition: credentialVersions.definition, primary: assessments.levels, second: second.levels })
        .from(assessments)
        .innerJoin(second, and(eq(second.submissionId, assessments.submissionId), eq(second.role, 'second'), eq(second.status, 'completed')))
        .innerJoin(submissions, eq(submissions.id, assessments.submissionId))
        .innerJoin(credentialVersions, eq(credentialVersions.id, submissions.credentialVersionId))
        .where(and(inArray(submissions.credentialId, ids), eq(assessments.role, 'primary'), eq(assessments.status, 'completed'))),
      this.surveySummaries(ids),
      this.reviewStates(ids),
    ]);
    // Rows grouped by credential once, not filtered again for each credential.
    const [attemptsBy, awardsBy, revokedBy, pairsBy] = [byCredential(attempts), byCredential(awarded), byCredential(revoked), byCredential(pairs)];
    return offered.map((o) => {
      const def = o.definition;
      const figures = credentialFigures({
        enrolled: enrolled.find((e) => e.courseId === o.courseId)?.n ?? 0,
        attempts: attemptsBy.get(o.credentialId) ?? [],
        awards: awardsBy.get(o.credentialId) ?? [],
        revoked: revokedBy.get(o.credentialId)?.[0]?.n ?? 0,
        pairs: (pairsBy.get(o.credentialId) ?? []).map((p) => ({ criteria: p.definition.rubric?.criteria ?? [], primary: p.primary, second: p.second })),
      });
      return {
        credentialId: o.credentialId,
        courseId: o.courseId,
        courseTitle: o.courseTitle ?? o.courseLabel ?? `Course ${o.courseId}`,
        title: def.title ?? 'Untitled micro-credential',
        versionNo: o.versionNo,
        figures,
        survey: surveys.get(o.credentialId)!,
        review: reviews.get(o.credentialId)!,
      };
    });
  }

  /** Survey aggregates per credential. Figures below the privacy floor are left out. */
  async surveySummaries(credentialIds: number[]): Promise<Map<number, SurveySummary>> {
    const out = new Map<number, SurveySummary>();
    if (credentialIds.length === 0) return out;
    const rows = await this.db
      .select()
      .from(surveyResponses)
      .where(inArray(surveyResponses.credentialId, credentialIds))
      .orderBy(desc(surveyResponses.month), desc(surveyResponses.id));
    const grouped = byCredential(rows);
    for (const id of credentialIds) {
      const mine = grouped.get(id) ?? [];
      const award = mine.filter((r) => r.kind === 'award');
      const followUp = mine.filter((r) => r.kind === 'follow-up');
      const values = (list: typeof mine, key: 'satisfaction' | 'relevance' | 'recommend' | 'applied') =>
        list.map((r) => r[key]).filter((v): v is number => v !== null);
      const comments = [...(award.length >= PRIVACY_FLOOR ? award : []), ...(followUp.length >= PRIVACY_FLOOR ? followUp : [])]
        .filter((r) => r.comment.trim() !== '')
        .map((r) => ({ kind: r.kind as 'award' | 'follow-up', text: r.comment }));
      out.set(id, {
        awardResponses: award.length,
        satisfaction: summariseScale(values(award, 'satisfaction'), 1, 5),
        relevance: summariseScale(values(award, 'relevance'), 1, 5),
        recommend: summariseScale(values(award, 'recommend'), 0, 10),
        netPromoter: netPromoterScore(values(award, 'recommend')),
        followUpResponses: followUp.length,
        applied: summariseScale(values(followUp, 'applied'), 1, 5),
        comments: comments.length ? comments : undefined,
      });
    }
    return out;
  }

  // --- Annual review ----------------------------------------------------------------

  /** A credential's reviews, newest first. Reviews are public: they name no reviewer. */
  async reviews(credentialId: number): Promise<ReviewRow[]> {
    return this.db
      .select({
        id: credentialReviews.id,
        credentialId: credentialReviews.credentialId,
        versionNo: credentialReviews.versionNo,
        summary: credentialReviews.summary,
        changesMade: credentialReviews.changesMade,
        reviewedAt: credentialReviews.reviewedAt,
      })
      .from(credentialReviews)
      .where(eq(credentialReviews.credentialId, credentialId))
      .orderBy(desc(credentialReviews.reviewedAt), desc(credentialReviews.id));
  }

  /** When each credential was last reviewed and when its next review is due. */
  async reviewStates(credentialIds: number[], now = new Date()): Promise<Map<number, ReviewState>> {
    const out = new Map<number, ReviewState>();
    if (credentialIds.length === 0) return out;
    const last = await this.db
      .select({ credentialId: credentialReviews.credentialId, at: sql<Date>`max(${credentialReviews.reviewedAt})`.mapWith((v) => new Date(v)) })
      .from(credentialReviews)
      .where(inArray(credentialReviews.credentialId, credentialIds))
      .groupBy(credentialReviews.credentialId);
    const firstPublished = await this.db
      .select({ credentialId: credentialVersions.credentialId, at: sql<Date>`min(${credentialVersions.publishedAt})`.mapWith((v) => new Date(v)) })
      .from(credentialVersions)
      .where(and(inArray(credentialVersions.credentialId, credentialIds), sql`${credentialVersions.publishedAt} IS NOT NULL`))
      .groupBy(credentialVersions.credentialId);
    for (const id of credentialIds) {
      const lastReviewedAt = last.find((r) => r.credentialId === id)?.at;
      const since = lastReviewedAt ?? firstPublished.find((r) => r.credentialId === id)?.at;
      const dueAt = since ? addMonths(since, REVIEW_INTERVAL_MONTHS) : undefined;
      out.set(id, { lastReviewedAt, dueAt, overdue: dueAt !== undefined && dueAt <= now });
    }
    return out;
  }

  /**
   * Record a review of the credential's current published version. It is also written to the
   * credential's public change log, in the same transaction.
   */
  async recordReview(courseId: number, credentialId: number, reviewerId: number, input: { summary: string; changesMade: string }): Promise<ReviewRow> {
    return this.db.transaction(async (tx) => {
      const [version] = await tx
        .select({ id: credentialVersions.id, versionNo: credentialVersions.versionNo })
        .from(credentialVersions)
        .innerJoin(credentials, eq(credentials.id, credentialVersions.credentialId))
        .where(and(eq(credentials.courseId, courseId), eq(credentialVersions.credentialId, credentialId), eq(credentialVersions.status, 'published')));
      if (!version)
        throw new ConflictError(
          'Only a published credential can be reviewed.',
          'NOT_PUBLISHED',
          'Publish the credential first; its review covers the version learners earn.',
        );
      const [review] = await tx
        .insert(credentialReviews)
        .values({ credentialId, versionNo: version.versionNo, reviewerId, summary: input.summary, changesMade: input.changesMade })
        .returning();
      await tx.insert(credentialChanges).values({
        credentialId,
        versionId: version.id,
        actorId: reviewerId,
        action: 'reviewed',
        summary: `Reviewed version ${version.versionNo}: ${input.summary}`.slice(0, 2000),
      });
      return review;
    });
  }

  /** The public change log: what changed and when, never who. Oldest first. */
  async changeLog(credentialId: number): Promise<{ action: string; summary: string; at: Date; versionNo: number | null }[]> {
    return this.db
      .select({ action: credentialChanges.action, summary: credentialChanges.summary, at: credentialChanges.at, versionNo: credentialVersions.versionNo })
      .from(credentialChanges)
      .leftJoin(credentialVersions, eq(credentialVersions.id, credentialChanges.versionId))
      .where(eq(credentialChanges.credentialId, credentialId))
      .orderBy(credentialChanges.at, credentialChanges.id);
  }
}
