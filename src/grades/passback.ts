// Grade passback through LTI Assignment and Grade Services. A score is never stored to be
// sent later: each job computes the learner's score from the current state (their latest
// attempt, its decision, the badge) and sends it with the timestamp of that state. So a
// job retried after a newer decision sends the newer grade, and an older grade can never
// overwrite a newer one; a state already at the LMS is not sent again.
import { and, desc, eq, ne, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { scoreRubric } from '../assessment/scoring';
import { badgeUrls } from '../badges/credentialBuilder';
import type { CredentialDefinition } from '../credentials/model';
import { LINE_ITEM_TAG, lineItemResourceId, scoreMaximum } from './gradebook';
import type { Db } from '../db/database';
import { assessments, courseServices, courses, credentialVersions, gradePassback, issuedCredentials, lineItems, ltiUsers, platforms, submissions } from '../db/schema';
import { type LtiServiceClient, type PlatformRef, ServiceError } from '../lti/serviceClient';

const SCOPE_LINEITEM = 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem';
const SCOPE_SCORE = 'https://purl.imsglobal.org/spec/lti-ags/scope/score';
const CANVAS_SUBMISSION = 'https://canvas.instructure.com/lti/submission';

export interface Score {
  userId: string;
  scoreGiven?: number;
  scoreMaximum?: number;
  activityProgress: 'Submitted' | 'InProgress' | 'Completed';
  gradingProgress: 'PendingManual' | 'FullyGraded';
  timestamp: string;
  comment?: string;
  [extension: string]: unknown;
}

/** The facts a score is made from; gathered by the caller. */
export interface ScoreFacts {
  userSub: string;
  definition: CredentialDefinition;
  latest: { status: string; submittedAt: Date | null; decidedAt: Date | null };
  decision?: { decision: string; levels: Record<string, string> };
  /** The issued badge; issued after the decision, so its state counts from just after it. */
  badge?: { uuid: string; revokedAt: Date | null };
  lmsFamily: string;
  publicUrl: string;
}

/** The score for the LMS, pure. Undefined when there is nothing to report (a draft only). */
export function buildScore(f: ScoreFacts): { score: Score; at: Date } | undefined {
  const { latest } = f;
  if (latest.status === 'draft' || !latest.submittedAt) return undefined;
  const criteria = f.definition.rubric.criteria;
  const graded = f.definition.gradeShown;
  const maximum = scoreMaximum(f.definition);
  let at = latest.submittedAt;
  let score: Score;
  if (latest.status === 'submitted' || !f.decision || !latest.decidedAt) {
    score = { userId: f.userSub, activityProgress: 'Submitted', gradingProgress: 'PendingManual', timestamp: '' };
  } else {
    at = latest.decidedAt;
    const given = graded ? scoreRubric(criteria, f.decision.levels).points : f.decision.decision === 'accept' ? 1 : 0;
    score = {
      userId: f.userSub,
      scoreGiven: given,
      scoreMaximum: maximum,
      activityProgress: latest.status === 'returned' ? 'InProgress' : 'Completed',
      gradingProgress: 'FullyGraded',
      timestamp: '',
      comment: latest.status === 'returned' ? 'Returned for resubmission: see the feedback in microcred.' : latest.status === 'rejected' ? 'Not awarded: see the feedback in microcred.' : 'Awarded.',
    };
    // The comment links to the badge once it is issued (a later state, so a later timestamp).
    if (f.badge && latest.status === 'accepted') {
      at = f.badge.revokedAt && f.badge.revokedAt > at ? f.badge.revokedAt : new Date(at.getTime() + 1);
      score.comment = f.badge.revokedAt ? 'Awarded; the badge has since been revoked.' : `Awarded. Open Badge: ${badgeUrls(f.publicUrl).credential(f.badge.uuid)}`;
    }
  }
  score.timestamp = at.toISOString();
  if (f.lmsFamily === 'canvas') {
    // Canvas shows a submission (and "needs grading") only with its own extension.
    score[CANVAS_SUBMISSION] = { new_submission: score.activityProgress === 'Submitted', submitted_at: latest.submittedAt.toISOString() };
  }
  return { score, at };
}

/** The scores endpoint of a line item: its URL with /scores before any query string. */
export function scoresUrl(lineItemUrl: string): string {
  const u = new URL(lineItemUrl);
  u.pathname = `${u.pathname.replace(/\/$/, '')}/scores`;
  return u.toString();
}

export interface PassbackTarget {
  courseId: number;
  credentialId: number;
  learnerId: number;
}

export class GradePassback {
  /** Line-item look-ups in progress, so two learners' jobs never create two columns. */
  private readonly lineItemRequests = new Map<string, Promise<string>>();

  constructor(
    private readonly db: Db,
    private readonly services: LtiServiceClient,
    private readonly opts: { publicUrl: string; log: Logger },
  ) {}

  private async facts(t: PassbackTarget) {
    const [latest] = await this.db
      .select({ submission: submissions, definition: credentialVersions.definition, userSub: ltiUsers.sub, platform: platforms, lineItemsUrl: courseServices.lineItemsUrl, agsScopes: courseServices.agsScopes })
      .from(submissions)
      .innerJoin(credentialVersions, eq(credentialVersions.id, submissions.credentialVersionId))
      .innerJoin(ltiUsers, eq(ltiUsers.id, submissions.learnerId))
      .innerJoin(courses, eq(courses.id, submissions.courseId))
      .innerJoin(platforms, eq(platforms.id, courses.platformId))
      .leftJoin(courseServices, eq(courseServices.courseId, submissions.courseId))
      .where(and(eq(submissions.courseId, t.courseId), eq(submissions.credentialId, t.credentialId), eq(submissions.learnerId, t.learnerId), ne(submissions.status, 'draft')))
      .orderBy(desc(submissions.attemptNo))
      .limit(1);
    if (!latest) return undefined;
    const [decision] = await this.db
      .select({ decision: assessments.decision, levels: assessments.levels })
      .from(assessments)
      .where(and(eq(assessments.submissionId, latest.submission.id), eq(assessments.role, 'primary'), eq(assessments.status, 'completed')));
    const [badge] = await this.db
      .select({ uuid: issuedCredentials.id, revokedAt: issuedCredentials.revokedAt })
      .from(issuedCredentials)
      .where(and(eq(issuedCredentials.courseId, t.courseId), eq(issuedCredentials.credentialId, t.credentialId), eq(issuedCredentials.learnerId, t.learnerId)));
    return { latest, decision: decision?.decision ? { decision: decision.decision, levels: decision.levels } : undefined, badge };
  }

  /** The state of the learner's grade now, as the LMS should hold it. */
  async scoreFor(t: PassbackTarget) {
    const f = await this.facts(t);
    if (!f) return undefined;
    const built = buildScore({
      userSub: f.latest.userSub,
      definition: f.latest.definition as unknown as CredentialDefinition,
      latest: { status: f.latest.submission.status, submittedAt: f.latest.submission.submittedAt, decidedAt: f.latest.submission.decidedAt },
      decision: f.decision,
      badge: f.badge,
      lmsFamily: f.latest.platform.lmsFamily,
      publicUrl: this.opts.publicUrl,
    });
    return built && { ...built, scoreMaximum: scoreMaximum(f.latest.definition as unknown as CredentialDefinition), platform: f.latest.platform, lineItemsUrl: f.latest.lineItemsUrl, scopes: f.latest.agsScopes ?? [] };
  }

  /**
   * Sends the learner's current score if the LMS does not have it yet. Throws a retriable
   * ServiceError for 429/5xx/timeouts (the job is retried with backoff); records other
   * refusals as failed with the LMS's message.
   */
  async send(t: PassbackTarget): Promise<'sent' | 'unchanged' | 'nothing' | 'failed'> {
    const current = await this.scoreFor(t);
    if (!current) return 'nothing';
    const wanted = current.at;
    // Move the wanted state forward (never back), and read what was sent before.
    const [row] = await this.db
      .insert(gradePassback)
      .values({ ...t, status: 'pending', wantedTimestamp: wanted })
      .onConflictDoUpdate({
        target: [gradePassback.courseId, gradePassback.credentialId, gradePassback.learnerId],
        set: { wantedTimestamp: sql`greatest(${gradePassback.wantedTimestamp}, excluded.wanted_timestamp)`, updatedAt: new Date() },
      })
      .returning();
    if (row.sentTimestamp && row.sentTimestamp >= wanted) {
      // Another job got it there (perhaps while this one was failing): say so.
      if (row.status !== 'sent' && row.sentTimestamp >= row.wantedTimestamp) await this.db.update(gradePassback).set({ status: 'sent', lastError: null, updatedAt: new Date() }).where(this.rowOf(t));
      return 'unchanged';
    }
    if (!current.lineItemsUrl) return this.record(t, 'failed', 'The LMS did not offer grade services (AGS) for this course. Open microcred from the course again, or ask the LMS administrator to enable grade passback for the tool.');
    const platform: PlatformRef = { id: current.platform.id, issuer: current.platform.issuer, clientId: current.platform.clientId, accessTokenUrl: current.platform.accessTokenUrl };
    try {
      const lineItem = await this.lineItemFor(t.courseId, t.credentialId, platform, current.lineItemsUrl, current.scoreMaximum);
      try {
        await this.services.call(platform, [SCOPE_SCORE], scoresUrl(lineItem), { method: 'POST', headers: { 'content-type': 'application/vnd.ims.lis.v1.score+json' }, body: JSON.stringify(current.score) });
      } catch (e) {
        // The column was deleted in the LMS: forget it, so the retry finds or creates it again.
        if (e instanceof ServiceError && e.status === 404) {
          await this.db.delete(lineItems).where(and(eq(lineItems.courseId, t.courseId), eq(lineItems.credentialId, t.credentialId), eq(lineItems.url, lineItem)));
          throw new ServiceError('The gradebook column was not found at the LMS; it will be found or created again.', 404, true);
        }
        throw e;
      }
      await this.db
        .update(gradePassback)
        // A job for a newer state may have finished first: the row is "sent" when what the LMS
        // holds is at least as new as what it should hold, whichever job got it there.
        .set({
          status: sql`CASE WHEN greatest(coalesce(${gradePassback.sentTimestamp}, ${wanted.toISOString()}::timestamptz), ${wanted.toISOString()}::timestamptz) >= ${gradePassback.wantedTimestamp} THEN 'sent' ELSE 'pending' END`,
          sentTimestamp: sql`greatest(coalesce(${gradePassback.sentTimestamp}, ${wanted.toISOString()}::timestamptz), ${wanted.toISOString()}::timestamptz)`,
          lastError: null,
          updatedAt: new Date(),
        })
        .where(this.rowOf(t));
      return 'sent';
    } catch (e) {
      if (e instanceof ServiceError && e.retriable) {
        await this.db
          .update(gradePassback)
          .set({ status: sql`CASE WHEN ${gradePassback.sentTimestamp} >= ${gradePassback.wantedTimestamp} THEN 'sent' ELSE 'pending' END`, attempts: sql`${gradePassback.attempts} + 1`, lastError: e.message, updatedAt: new Date() })
          .where(this.rowOf(t));
        throw e;
      }
      return this.record(t, 'failed', e instanceof Error ? e.message : String(e));
    }
  }

  private rowOf(t: PassbackTarget) {
    return and(eq(gradePassback.courseId, t.courseId), eq(gradePassback.credentialId, t.credentialId), eq(gradePassback.learnerId, t.learnerId));
  }

  private async record(t: PassbackTarget, status: 'failed', message: string): Promise<'failed'> {
    this.opts.log.warn({ ...t, reason: message }, 'grade passback failed');
    await this.db
      .update(gradePassback)
      .set({ status, attempts: sql`${gradePassback.attempts} + 1`, lastError: message, updatedAt: new Date() })
      .where(this.rowOf(t));
    return status;
  }

  /**
   * The credential's gradebook column: the one we know (deep linking or an earlier launch),
   * else one the LMS has with our resourceId and tag, else a new one. Never two.
   */
  async lineItemFor(courseId: number, credentialId: number, platform: PlatformRef, lineItemsUrl: string, scoreMaximum = 1): Promise<string> {
    const known = async () => (await this.db.select({ url: lineItems.url }).from(lineItems).where(and(eq(lineItems.courseId, courseId), eq(lineItems.credentialId, credentialId))))[0]?.url;
    const have = await known();
    if (have) return have;
    const key = `${courseId}|${credentialId}`;
    let pending = this.lineItemRequests.get(key);
    if (!pending) {
      pending = this.db.transaction(async (tx) => {
        // Across processes too: one finder or creator per course and credential at a time.
        await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext('microcred-line-item'), ${courseId} * 100000 + ${credentialId})`);
        const [again] = await tx.select({ url: lineItems.url }).from(lineItems).where(and(eq(lineItems.courseId, courseId), eq(lineItems.credentialId, credentialId)));
        if (again) return again.url;
        const list = new URL(lineItemsUrl);
        list.searchParams.set('resource_id', lineItemResourceId(credentialId));
        list.searchParams.set('tag', LINE_ITEM_TAG);
        const found = (await (await this.services.call(platform, [SCOPE_LINEITEM], list.toString(), { headers: { accept: 'application/vnd.ims.lis.v2.lineitemcontainer+json' } })).json()) as { id: string; resourceId?: string; tag?: string }[];
        // Some LMSs ignore the filters: match on resourceId and tag ourselves.
        const match = found.find((li) => li.resourceId === lineItemResourceId(credentialId) && (li.tag === undefined || li.tag === LINE_ITEM_TAG));
        let url = match?.id;
        let source = 'found';
        if (!url) {
          const [title] = await tx.select({ definition: credentialVersions.definition }).from(credentialVersions).where(and(eq(credentialVersions.credentialId, credentialId), eq(credentialVersions.status, 'published')));
          const label = (title?.definition as { title?: string } | undefined)?.title ?? 'Micro-credential';
          const created = (await (
            await this.services.call(platform, [SCOPE_LINEITEM], lineItemsUrl, {
              method: 'POST',
              headers: { 'content-type': 'application/vnd.ims.lis.v2.lineitem+json', accept: 'application/vnd.ims.lis.v2.lineitem+json' },
              body: JSON.stringify({ scoreMaximum, label, resourceId: lineItemResourceId(credentialId), tag: LINE_ITEM_TAG }),
            })
          ).json()) as { id: string };
          url = created.id;
          source = 'created';
        }
        await tx.insert(lineItems).values({ courseId, credentialId, url, source }).onConflictDoNothing();
        return url;
      });
      this.lineItemRequests.set(key, pending);
      pending.finally(() => this.lineItemRequests.delete(key)).catch(() => undefined);
    }
    return pending;
  }

  /** Every learner's passback state in a course, for the instructor's page. */
  async statusForCourse(courseId: number) {
    return this.db
      .select({ row: gradePassback, learnerName: ltiUsers.name, learnerEmail: ltiUsers.email })
      .from(gradePassback)
      .innerJoin(ltiUsers, eq(ltiUsers.id, gradePassback.learnerId))
      .where(eq(gradePassback.courseId, courseId))
      .orderBy(ltiUsers.name);
  }

  /** Marks rows to be sent again (resend): the next job sends whatever the state is now. */
  async forgetSent(courseId: number, target?: { credentialId: number; learnerId: number }) {
    const where = target
      ? and(eq(gradePassback.courseId, courseId), eq(gradePassback.credentialId, target.credentialId), eq(gradePassback.learnerId, target.learnerId))
      : eq(gradePassback.courseId, courseId);
    return this.db.update(gradePassback).set({ sentTimestamp: null, status: 'pending', lastError: null, updatedAt: new Date() }).where(where).returning({ courseId: gradePassback.courseId, credentialId: gradePassback.credentialId, learnerId: gradePassback.learnerId });
  }
}
