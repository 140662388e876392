// Grade passback through LTI Assignment and Grade Services. A score is never stored to be
// sent later: each job computes the learner's score from the current state (their latest
// attempt, its decision, the badge). The state's own time orders states internally: a job
// retried after a newer decision sends the newer grade, and a state already at the LMS is
// not sent again. The timestamp on the score is a *send* timestamp: whole seconds, at least
// now, later than the last one sent to that column, because LMSs refuse a score that is not
// newer than the one they hold (Moodle 4.5: 409 unless strictly later, in seconds, than the
// time it processed the last one; Canvas: 400 when older). One learner's sends to a column
// go one at a time, across processes, under the row's lock.
import { and, desc, eq, ne, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { scoreRubric } from '../assessment/scoring';
import { badgeUrls } from '../badges/credentialBuilder';
import type { CredentialDefinition } from '../credentials/model';
import { LINE_ITEM_TAG, lineItemResourceId, scoreMaximum } from './gradebook';
import type { Db } from '../db/database';
import {
  assessments,
  courseMembers,
  courseServices,
  courses,
  credentialVersions,
  gradePassback,
  issuedCredentials,
  lineItems,
  ltiUsers,
  platforms,
  submissions,
} from '../db/schema';
import { type LtiServiceClient, type PlatformRef, type ServiceCall, ServiceError } from '../lti/serviceClient';

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
  /**
   * The issued badge; issued after the decision, so its state counts from just after it, or
   * from its last revocation or reinstatement (statusChangedAt), each a newer state.
   */
  badge?: { uuid: string; revokedAt: Date | null; statusChangedAt?: Date | null };
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
      comment:
        latest.status === 'returned'
          ? 'Returned for resubmission: see the feedback in microcred.'
          : latest.status === 'rejected'
            ? 'Not awarded: see the feedback in microcred.'
            : 'Awarded.',
    };
    // The comment links to the badge once it is issued (a later state, so a later timestamp).
    if (f.badge && latest.status === 'accepted') {
      const changed = f.badge.statusChangedAt ?? f.badge.revokedAt;
      at = changed && changed > at ? changed : new Date(at.getTime() + 1);
      score.comment = f.badge.revokedAt
        ? 'Awarded; the badge has since been revoked.'
        : `Awarded. Open Badge: ${badgeUrls(f.publicUrl).credential(f.badge.uuid)}`;
    }
  }
  // The state's time; the sender replaces it with its send timestamp.
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

export type SendResult = 'sent' | 'unchanged' | 'nothing' | 'failed';
/** What a locked send came to: a result, or a retriable error to throw once its transaction is committed. */
type Outcome = { result: SendResult } | { error: Error };
/** The pool or a transaction: both run the same queries. */
type Queryable = Db | Parameters<Parameters<Db['transaction']>[0]>[0];
type CurrentScore = NonNullable<Awaited<ReturnType<GradePassback['scoreFor']>>>;

/**
 * Why the LMS would refuse a score for this person, if it would: Moodle and Canvas keep grades
 * only for the course's students (Moodle 400 "Incorrect score received", Canvas 422). Someone
 * whose membership microcred does not know is left to the LMS to judge.
 */
export function notGradable(member: { role: string; status: string | null } | undefined): string | undefined {
  if (!member) return undefined;
  if (member.role !== 'learner')
    return 'Not sent: in the LMS this person is no longer a learner of the course, and the LMS keeps grades only for learners. If they become a learner again, use Resend.';
  if (member.status === 'inactive')
    return 'Not sent: this person has left the course in the LMS, which keeps grades only for enrolled learners. If they are enrolled again, sync the roster or have them open microcred from the course, then use Resend.';
  return undefined;
}

export class GradePassback {
  /** Line-item look-ups in progress, so two learners' jobs never create two columns. */
  private readonly lineItemRequests = new Map<string, Promise<string>>();

  constructor(
    private readonly db: Db,
    private readonly services: LtiServiceClient,
    private readonly opts: { publicUrl: string; log: Logger },
  ) {}

  /** Everything a score is made from, with the column and the passback row: one query. */
  private async facts(t: PassbackTarget, db: Queryable = this.db) {
    const [latest] = await db
      .select({
        submission: submissions,
        definition: credentialVersions.definition,
        userSub: ltiUsers.sub,
        platform: platforms,
        lineItemsUrl: courseServices.lineItemsUrl,
        agsScopes: courseServices.agsScopes,
        memberRole: courseMembers.appRole,
        memberStatus: courseMembers.status,
        decision: assessments.decision,
        levels: assessments.levels,
        badgeUuid: issuedCredentials.id,
        badgeRevokedAt: issuedCredentials.revokedAt,
        badgeStatusChangedAt: issuedCredentials.statusChangedAt,
        lineItem: lineItems.url,
        row: gradePassback,
      })
      .from(submissions)
      .innerJoin(credentialVersions, eq(credentialVersions.id, submissions.credentialVersionId))
      .innerJoin(ltiUsers, eq(ltiUsers.id, submissions.learnerId))
      .innerJoin(courses, eq(courses.id, submissions.courseId))
      .innerJoin(platforms, eq(platforms.id, courses.platformId))
      .leftJoin(courseServices, eq(courseServices.courseId, submissions.courseId))
      .leftJoin(courseMembers, and(eq(courseMembers.courseId, submissions.courseId), eq(courseMembers.userId, submissions.learnerId)))
      .leftJoin(assessments, and(eq(assessments.submissionId, submissions.id), eq(assessments.role, 'primary'), eq(assessments.status, 'completed')))
      .leftJoin(
        issuedCredentials,
        and(
          eq(issuedCredentials.courseId, submissions.courseId),
          eq(issuedCredentials.credentialId, submissions.credentialId),
          eq(issuedCredentials.learnerId, submissions.learnerId),
        ),
      )
      .leftJoin(lineItems, and(eq(lineItems.courseId, submissions.courseId), eq(lineItems.credentialId, submissions.credentialId)))
      .leftJoin(
        gradePassback,
        and(
          eq(gradePassback.courseId, submissions.courseId),
          eq(gradePassback.credentialId, submissions.credentialId),
          eq(gradePassback.learnerId, submissions.learnerId),
        ),
      )
      .where(
        and(
          eq(submissions.courseId, t.courseId),
          eq(submissions.credentialId, t.credentialId),
          eq(submissions.learnerId, t.learnerId),
          ne(submissions.status, 'draft'),
        ),
      )
      .orderBy(desc(submissions.attemptNo))
      .limit(1);
    if (!latest) return undefined;
    return {
      latest,
      decision: latest.decision ? { decision: latest.decision, levels: latest.levels ?? {} } : undefined,
      badge: latest.badgeUuid ? { uuid: latest.badgeUuid, revokedAt: latest.badgeRevokedAt, statusChangedAt: latest.badgeStatusChangedAt } : undefined,
    };
  }

  /** The state of the learner's grade now, as the LMS should hold it. */
  async scoreFor(t: PassbackTarget, db: Queryable = this.db) {
    const f = await this.facts(t, db);
    if (!f) return undefined;
    const built = buildScore({
      userSub: f.latest.userSub,
      definition: f.latest.definition,
      latest: { status: f.latest.submission.status, submittedAt: f.latest.submission.submittedAt, decidedAt: f.latest.submission.decidedAt },
      decision: f.decision,
      badge: f.badge,
      lmsFamily: f.latest.platform.lmsFamily,
      publicUrl: this.opts.publicUrl,
    });
    return (
      built && {
        ...built,
        scoreMaximum: scoreMaximum(f.latest.definition),
        platform: f.latest.platform,
        lineItemsUrl: f.latest.lineItemsUrl,
        scopes: f.latest.agsScopes ?? [],
        member: f.latest.memberRole ? { role: f.latest.memberRole, status: f.latest.memberStatus } : undefined,
        /** The column, when known, and the passback row as it was read. */
        lineItem: f.latest.lineItem ?? undefined,
        row: f.latest.row ?? undefined,
      }
    );
  }

  /**
   * Sends the learner's current score if the LMS does not have it yet (or a resend was
   * asked). Throws a retriable ServiceError for 429/5xx/timeouts (the job is retried with
   * backoff); records other refusals as failed with the LMS's message.
   */
  async send(t: PassbackTarget): Promise<SendResult> {
    const current = await this.scoreFor(t);
    if (!current) return 'nothing';
    const known = current.row;
    // Already at the LMS (another job got it there): nothing to lock. Checked again under the lock.
    if (known && !known.resendRequested && known.sentTimestamp && known.sentTimestamp >= current.at && known.wantedTimestamp <= current.at)
      return this.markDelivered(this.db, t);
    if (!current.lineItemsUrl) {
      await this.db
        .insert(gradePassback)
        .values({ ...t, status: 'pending', wantedTimestamp: current.at })
        .onConflictDoNothing();
      return this.record(
        this.db,
        t,
        'The LMS did not offer grade services (AGS) for this course. Open microcred from the course again, or ask the LMS administrator to enable grade passback for the tool.',
      );
    }
    const platform: PlatformRef = {
      id: current.platform.id,
      issuer: current.platform.issuer,
      clientId: current.platform.clientId,
      accessTokenUrl: current.platform.accessTokenUrl,
    };
    let lineItem: string;
    try {
      // Before the lock: finding or creating the column makes its own calls and takes its own lock.
      lineItem = current.lineItem ?? (await this.lineItemFor(t.courseId, t.credentialId, platform, current.lineItemsUrl, current.scoreMaximum));
      await this.services.token(platform, [SCOPE_SCORE]);
    } catch (e) {
      await this.db
        .insert(gradePassback)
        .values({ ...t, status: 'pending', wantedTimestamp: current.at })
        .onConflictDoNothing();
      const outcome = await this.failure(this.db, t, e);
      if ('error' in outcome) throw outcome.error;
      return outcome.result;
    }
    // Why a row lock in a transaction held across the POST: it serialises one learner's sends to
    // one column in every process (the second waits, then sees the first's result), and the send
    // timestamp is computed from the row under that same lock. The call slot is taken first,
    // so the connection is held for the HTTP call (bounded by the client's timeout) and not
    // while queueing for the LMS; the column and the token are ready before the lock.
    const outcome = await this.services.withSlot(platform, (call) => this.db.transaction((tx) => this.sendLocked(tx, t, current, lineItem, call)));
    if ('error' in outcome) throw outcome.error;
    return outcome.result;
  }

  private async sendLocked(tx: Queryable, t: PassbackTarget, computed: CurrentScore, lineItem: string, call: ServiceCall): Promise<Outcome> {
    let current = computed;
    let recomputed = false;
    let conflicted = false;
    for (;;) {
      // One statement takes the row's lock, moves the wanted state forward (never back) and,
      // when this state must go, stamps the send: whole seconds, at least now, later than the
      // last score sent to this column.
      const at = sql`${current.at.toISOString()}::timestamptz`;
      const [row] = await tx
        .insert(gradePassback)
        .values({ ...t, status: 'pending', wantedTimestamp: current.at, lastSendTimestamp: sql`date_trunc('second', clock_timestamp())` })
        .onConflictDoUpdate({
          target: [gradePassback.courseId, gradePassback.credentialId, gradePassback.learnerId],
          set: {
            wantedTimestamp: sql`greatest(${gradePassback.wantedTimestamp}, ${at})`,
            lastSendTimestamp: sql`CASE WHEN ${gradePassback.resendRequested} OR ${gradePassback.sentTimestamp} IS NULL OR ${gradePassback.sentTimestamp} < ${at} OR ${conflicted}
              THEN greatest(date_trunc('second', clock_timestamp()), ${gradePassback.lastSendTimestamp} + interval '1 second') ELSE ${gradePassback.lastSendTimestamp} END`,
            updatedAt: new Date(),
          },
        })
        .returning();
      // Another job wants a newer state than the one computed before the lock: read it again, once.
      if (row.wantedTimestamp > current.at && !recomputed) {
        recomputed = true;
        const newer = await this.scoreFor(t, tx);
        if (!newer) return { result: 'nothing' };
        if (newer.at > current.at) {
          current = newer;
          continue;
        }
      }
      if (!row.resendRequested && row.sentTimestamp && row.sentTimestamp >= current.at) return { result: await this.markDelivered(tx, t) };
      const refusal = notGradable(current.member);
      if (refusal) return { result: await this.record(tx, t, refusal) };
      const score = { ...current.score, timestamp: row.lastSendTimestamp!.toISOString() };
      try {
        await call([SCOPE_SCORE], scoresUrl(lineItem), {
          method: 'POST',
          headers: { 'content-type': 'application/vnd.ims.lis.v1.score+json' },
          body: JSON.stringify(score),
        });
      } catch (e) {
        // 409: the LMS holds a score at least as new as this timestamp (Moodle: the second it
        // processed the last one, by its clock). Not a failure: the state again, once, later.
        if (e instanceof ServiceError && e.status === 409 && !conflicted) {
          conflicted = true;
          current = (await this.scoreFor(t, tx)) ?? current;
          continue;
        }
        // The column was deleted in the LMS: forget it, so the retry finds or creates it again.
        if (e instanceof ServiceError && e.status === 404) {
          await tx.delete(lineItems).where(and(eq(lineItems.courseId, t.courseId), eq(lineItems.credentialId, t.credentialId), eq(lineItems.url, lineItem)));
          return this.failure(tx, t, new ServiceError('The gradebook column was not found at the LMS; it will be found or created again.', 404, true));
        }
        return this.failure(tx, t, e);
      }
      const sent = sql`greatest(${gradePassback.sentTimestamp}, ${current.at.toISOString()}::timestamptz)`;
      await tx
        .update(gradePassback)
        // Sent when what the LMS holds is at least as new as what it should hold.
        .set({
          status: sql`CASE WHEN ${sent} >= ${gradePassback.wantedTimestamp} THEN 'sent' ELSE 'pending' END`,
          sentTimestamp: sent,
          resendRequested: false,
          lastError: null,
          updatedAt: new Date(),
        })
        .where(this.rowOf(t));
      return { result: 'sent' };
    }
  }

  private rowOf(t: PassbackTarget) {
    return and(eq(gradePassback.courseId, t.courseId), eq(gradePassback.credentialId, t.credentialId), eq(gradePassback.learnerId, t.learnerId));
  }

  /** The LMS has the newest state: the row says so. */
  private async markDelivered(db: Queryable, t: PassbackTarget): Promise<'unchanged'> {
    await db
      .update(gradePassback)
      .set({ status: 'sent', lastError: null, updatedAt: new Date() })
      .where(and(this.rowOf(t), ne(gradePassback.status, 'sent'), sql`${gradePassback.sentTimestamp} >= ${gradePassback.wantedTimestamp}`));
    return 'unchanged';
  }

  /**
   * A failed try: a retriable one counts and is returned to be thrown (after the transaction
   * keeps the send timestamp); any other is recorded as the LMS's refusal.
   */
  private async failure(db: Queryable, t: PassbackTarget, e: unknown): Promise<Outcome> {
    if (e instanceof ServiceError && e.retriable) {
      await db
        .update(gradePassback)
        .set({
          status: sql`CASE WHEN ${gradePassback.sentTimestamp} >= ${gradePassback.wantedTimestamp} THEN 'sent' ELSE 'pending' END`,
          attempts: sql`${gradePassback.attempts} + 1`,
          lastError: e.message,
          updatedAt: new Date(),
        })
        .where(this.rowOf(t));
      return { error: e };
    }
    return { result: await this.record(db, t, e instanceof Error ? e.message : String(e)) };
  }

  /**
   * Records a refusal. A row whose newest state the LMS already has stays "sent" (a refused
   * resend changes nothing at the LMS), with the reason beside it; any other is "failed".
   */
  private async record(db: Queryable, t: PassbackTarget, message: string): Promise<'failed' | 'unchanged'> {
    this.opts.log.warn({ ...t, reason: message }, 'grade passback failed');
    const [row] = await db
      .update(gradePassback)
      .set({
        status: sql`CASE WHEN ${gradePassback.sentTimestamp} >= ${gradePassback.wantedTimestamp} THEN 'sent' ELSE 'failed' END`,
        attempts: sql`${gradePassback.attempts} + 1`,
        resendRequested: false,
        lastError: message,
        updatedAt: new Date(),
      })
      .where(this.rowOf(t))
      .returning({ status: gradePassback.status });
    return row?.status === 'sent' ? 'unchanged' : 'failed';
  }

  /**
   * The credential's gradebook column: the one we know (deep linking or an earlier launch),
   * else one the LMS has with our resourceId and tag, else a new one. Never two.
   */
  async lineItemFor(courseId: number, credentialId: number, platform: PlatformRef, lineItemsUrl: string, scoreMaximum = 1): Promise<string> {
    const known = async () =>
      (
        await this.db
          .select({ url: lineItems.url })
          .from(lineItems)
          .where(and(eq(lineItems.courseId, courseId), eq(lineItems.credentialId, credentialId)))
      )[0]?.url;
    const have = await known();
    if (have) return have;
    const key = `${courseId}|${credentialId}`;
    let pending = this.lineItemRequests.get(key);
    if (!pending) {
      pending = this.db.transaction(async (tx) => {
        // Across processes too: one finder or creator per course and credential at a time.
        await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext('microcred-line-item'), ${courseId} * 100000 + ${credentialId})`);
        const [again] = await tx
          .select({ url: lineItems.url })
          .from(lineItems)
          .where(and(eq(lineItems.courseId, courseId), eq(lineItems.credentialId, credentialId)));
        if (again) return again.url;
        const list = new URL(lineItemsUrl);
        list.searchParams.set('resource_id', lineItemResourceId(credentialId));
        list.searchParams.set('tag', LINE_ITEM_TAG);
        const found = (await (
          await this.services.call(platform, [SCOPE_LINEITEM], list.toString(), { headers: { accept: 'application/vnd.ims.lis.v2.lineitemcontainer+json' } })
        ).json()) as { id: string; resourceId?: string; tag?: string }[];
        // Some LMSs ignore the filters: match on resourceId and tag ourselves.
        const match = found.find((li) => li.resourceId === lineItemResourceId(credentialId) && (li.tag === undefined || li.tag === LINE_ITEM_TAG));
        let url = match?.id;
        let source = 'found';
        if (!url) {
          const [title] = await tx
            .select({ definition: credentialVersions.definition })
            .from(credentialVersions)
            .where(and(eq(credentialVersions.credentialId, credentialId), eq(credentialVersions.status, 'published')));
          const label = title?.definition.title ?? 'Micro-credential';
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

  /**
   * Marks rows to be sent again (resend): the next job sends whatever the state is now, with a
   * fresh timestamp. A delivered row stays "sent" meanwhile; one that was not goes back to pending.
   */
  async requestResend(courseId: number, target?: { credentialId: number; learnerId: number }) {
    const where = target
      ? and(eq(gradePassback.courseId, courseId), eq(gradePassback.credentialId, target.credentialId), eq(gradePassback.learnerId, target.learnerId))
      : eq(gradePassback.courseId, courseId);
    return this.db
      .update(gradePassback)
      .set({
        resendRequested: true,
        status: sql`CASE WHEN ${gradePassback.sentTimestamp} >= ${gradePassback.wantedTimestamp} THEN 'sent' ELSE 'pending' END`,
        lastError: null,
        updatedAt: new Date(),
      })
      .where(where)
      .returning({ courseId: gradePassback.courseId, credentialId: gradePassback.credentialId, learnerId: gradePassback.learnerId });
  }
}
