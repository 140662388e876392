// Database access for quality assurance: survey aggregates (never below the privacy floor),
// annual reviews, and the figures of the QA dashboard. Everything here reads counts and
// anonymous answers; nothing returns a learner's identity.
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/database';
import { credentialChanges, credentialReviews, credentialVersions, credentials, surveyResponses } from '../db/schema';
import { ConflictError } from '../web/errors';
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

export class QaStore {
  constructor(private readonly db: Db) {}

  /** Survey aggregates per credential. Figures below the privacy floor are left out. */
  async surveySummaries(credentialIds: number[]): Promise<Map<number, SurveySummary>> {
    const out = new Map<number, SurveySummary>();
    if (credentialIds.length === 0) return out;
    const rows = await this.db
      .select()
      .from(surveyResponses)
      .where(inArray(surveyResponses.credentialId, credentialIds))
      .orderBy(desc(surveyResponses.month), desc(surveyResponses.id));
    for (const id of credentialIds) {
      const mine = rows.filter((r) => r.credentialId === id);
      const award = mine.filter((r) => r.kind === 'award');
      const followUp = mine.filter((r) => r.kind === 'follow-up');
      const values = (list: typeof mine, key: 'satisfaction' | 'relevance' | 'recommend' | 'applied') =>
        list.map((r) => r[key]).filter((v): v is number => v !== null);
      const comments = [
        ...(award.length >= PRIVACY_FLOOR ? award : []),
        ...(followUp.length >= PRIVACY_FLOOR ? followUp : []),
      ]
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
      if (!version) throw new ConflictError('Only a published credential can be reviewed.', 'NOT_PUBLISHED', 'Publish the credential first; its review covers the version learners earn.');
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
