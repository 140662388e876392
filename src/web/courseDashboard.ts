// The instructor's dashboard inside a launch (/app/:launchId/dashboard): the course's design and
// assessment links, the roster sync from the LMS (NRPS), and where every learner stands on
// every published credential. The grid is built from a handful of course-wide queries, never
// one query per learner, so a class of hundreds costs the same few round trips.
import { desc, eq } from 'drizzle-orm';
import type { NextFunction, Request, Response, Router } from 'express';
import type { CredentialStore } from '../credentials/store';
import type { Db } from '../db/database';
import { awards, courseMembers, courseServices, issuedCredentials, ltiUsers, submissions } from '../db/schema';
import { platformRef, type RosterSync } from '../lti/roster';
import { can, requireCapability } from './authz';
import { csrfToken } from './csrf';
import { AppError } from '../errors';
import { courseOf, launchOf } from './launchContext';
import { launchPageRouter } from './launchPageRouter';

/** Where a learner stands on one credential, from least to most advanced. */
export type ProgressStatus = 'not-started' | 'draft' | 'submitted' | 'returned' | 'rejected' | 'accepted' | 'awarded' | 'issued' | 'revoked';

export const PROGRESS_LABELS: Record<ProgressStatus, string> = {
  'not-started': 'Not started',
  draft: 'Draft',
  submitted: 'Submitted',
  returned: 'Returned',
  rejected: 'Rejected',
  accepted: 'Accepted',
  awarded: 'Awarded',
  issued: 'Badge issued',
  revoked: 'Revoked',
};

export interface LearnerProgress {
  userId: number;
  name: string;
  email: string | null;
  /** On the roster from the LMS but has never opened microcred. */
  neverLaunched: boolean;
  /** One status per credential, in the order of `credentials`. */
  cells: ProgressStatus[];
}

export interface CourseProgress {
  credentials: { id: number; title: string; counts: Record<ProgressStatus, number>; awarded: number }[];
  /** Active members with the learner role. */
  learners: LearnerProgress[];
  /** Members who left the course (inactive): learners, and anyone holding an award. */
  leftCourse: LearnerProgress[];
  nrpsOffered: boolean;
  lastSyncAt: Date | null;
}

export interface SyncNotice {
  total: number;
  added: number;
  updated: number;
  deactivated: number;
  withoutName: number;
  withoutEmail: number;
  /** The LMS family, whose setting the notice names when names or e-mail addresses were withheld. */
  lms: 'moodle' | 'canvas' | 'other';
}

const displayName = (u: { name: string | null; givenName: string | null; familyName: string | null; email: string | null; sub: string }) =>
  u.name ?? ([u.givenName, u.familyName].filter(Boolean).join(' ') || u.email || `LMS user ${u.sub}`);

/** What the dashboard reads. */
export interface DashboardSources {
  db: Db;
  credentials: CredentialStore;
}

/** The course's learners × published credentials. Five queries whatever the class size. */
export async function courseProgress({ db, credentials: store }: DashboardSources, courseId: number): Promise<CourseProgress> {
  const [offered, members, latest, awarded, [services]] = await Promise.all([
    store.listForCourse(courseId, { publishedOnly: true }),
    db
      .select({
        userId: courseMembers.userId,
        appRole: courseMembers.appRole,
        status: courseMembers.status,
        lastLaunchAt: courseMembers.lastLaunchAt,
        sub: ltiUsers.sub,
        name: ltiUsers.name,
        givenName: ltiUsers.givenName,
        familyName: ltiUsers.familyName,
        email: ltiUsers.email,
      })
      .from(courseMembers)
      .innerJoin(ltiUsers, eq(ltiUsers.id, courseMembers.userId))
      .where(eq(courseMembers.courseId, courseId)),
    // The latest attempt per learner and credential.
    db
      .selectDistinctOn([submissions.learnerId, submissions.credentialId], {
        learnerId: submissions.learnerId,
        credentialId: submissions.credentialId,
        status: submissions.status,
      })
      .from(submissions)
      .where(eq(submissions.courseId, courseId))
      .orderBy(submissions.learnerId, submissions.credentialId, desc(submissions.attemptNo)),
    db
      .select({ learnerId: awards.learnerId, credentialId: awards.credentialId, issuedId: issuedCredentials.id, revokedAt: issuedCredentials.revokedAt })
      .from(awards)
      .leftJoin(issuedCredentials, eq(issuedCredentials.awardId, awards.id))
      .where(eq(awards.courseId, courseId)),
    db
      .select({ membershipsUrl: courseServices.membershipsUrl, lastSyncAt: courseServices.lastRosterSyncAt })
      .from(courseServices)
      .where(eq(courseServices.courseId, courseId)),
  ]);

  const key = (learnerId: number, credentialId: number) => `${learnerId}:${credentialId}`;
  const status = new Map<string, ProgressStatus>();
  for (const s of latest) status.set(key(s.learnerId, s.credentialId), s.status as ProgressStatus);
  // An award outranks the attempt that led to it; the issued badge and its revocation outrank the award.
  const holders = new Set<number>();
  for (const a of awarded) {
    holders.add(a.learnerId);
    status.set(key(a.learnerId, a.credentialId), a.issuedId === null ? 'awarded' : a.revokedAt ? 'revoked' : 'issued');
  }

  const credentials = offered.map((c) => ({
    id: c.id,
    title: c.published!.definition.title ?? 'Untitled micro-credential',
    counts: Object.fromEntries(Object.keys(PROGRESS_LABELS).map((k) => [k, 0])) as Record<ProgressStatus, number>,
    awarded: 0,
  }));
  const toRow = (m: (typeof members)[number]): LearnerProgress => ({
    userId: m.userId,
    name: displayName(m),
    email: m.email,
    neverLaunched: m.lastLaunchAt === null,
    cells: credentials.map((c) => status.get(key(m.userId, c.id)) ?? 'not-started'),
  });
  // By family name, then full name; numeric so "Learner 2" comes before "Learner 10".
  const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
  const byName = (a: (typeof members)[number], b: (typeof members)[number]) =>
    collator.compare(a.familyName ?? displayName(a), b.familyName ?? displayName(b)) || collator.compare(displayName(a), displayName(b)) || a.userId - b.userId;
  members.sort(byName);

  const learners = members.filter((m) => m.status === 'active' && m.appRole === 'learner').map(toRow);
  const leftCourse = members.filter((m) => m.status !== 'active' && (m.appRole === 'learner' || holders.has(m.userId))).map(toRow);
  // Counts are over the learners in the course now; those who left are listed apart.
  for (const l of learners) {
    l.cells.forEach((s, i) => {
      credentials[i].counts[s]++;
      if (s === 'awarded' || s === 'issued') credentials[i].awarded++;
    });
  }
  return { credentials, learners, leftCourse, nrpsOffered: Boolean(services?.membershipsUrl), lastSyncAt: services?.lastSyncAt ?? null };
}

/**
 * The address of the launch's dashboard: the course dashboard for its teachers, "My credentials"
 * for learners, the admin console's link for LMS administrators. Never redirects elsewhere, so
 * "back" links and the notices after an action land there, however the launch began.
 */
export const dashboardPath = (launch: { id: string }) => `/app/${launch.id}/dashboard`;

function parseNotice(query: Request['query']): SyncNotice | undefined {
  if (query.notice !== 'roster-synced') return undefined;
  const n = (k: string) => {
    const v = Number(query[k]);
    return Number.isInteger(v) && v >= 0 ? v : undefined;
  };
  const [total, added, updated, deactivated] = [n('total'), n('added'), n('updated'), n('deactivated')];
  if (total === undefined || added === undefined || updated === undefined || deactivated === undefined) return undefined;
  // Where the LMS withheld names or e-mail addresses, the notice says which setting shares them.
  const lms = (['moodle', 'canvas'] as const).find((family) => family === query.lms) ?? 'other';
  return { total, added, updated, deactivated, withoutName: n('withoutName') ?? 0, withoutEmail: n('withoutEmail') ?? 0, lms };
}

/**
 * Renders the dashboard for the launch's course. `notice`: a message from the launch (e.g. a
 * deep link that names nothing usable); `syncError` after a failed sync (the page still shows).
 */
export async function renderCourseDashboard(
  sources: DashboardSources,
  req: Request,
  res: Response,
  opts: { status?: number; notice?: string; syncError?: { message: string; hint?: string } } = {},
) {
  const launch = launchOf(req);
  const locale = (launch.claims.launchPresentation as { locale?: string } | undefined)?.locale;
  const progress = launch.courseId === null ? null : await courseProgress(sources, launch.courseId);
  res.status(opts.status ?? 200).render('lti/course-dashboard', {
    ...(launch.courseTitle ? { titleKey: 'lti.dashboard.title', titleParams: { course: launch.courseTitle } } : { titleKey: 'lti.dashboard.titleNoCourse' }),
    launch,
    base: `/app/${launch.id}`,
    lmsAdmin: Boolean(launch.claims.lmsAdmin),
    locale,
    csrf: csrfToken(req),
    progress,
    labels: PROGRESS_LABELS,
    notice: opts.notice,
    syncNotice: parseNotice(req.query),
    syncError: opts.syncError,
  });
}

/** Course staff only: teachers (design) or assessors (assess) may refresh the roster. */
function requireStaff(req: Request, res: Response, next: NextFunction) {
  if (req.launch && (can(req.launch, 'course:design') || can(req.launch, 'course:assess'))) return next();
  requireCapability('course:assess')(req, res, next);
}

/** /app/:launchId/roster: the sync button's target. */
export function courseDashboardPages({ roster, ...sources }: DashboardSources & { roster: RosterSync }): Router {
  const { db } = sources;
  const r = launchPageRouter({ access: requireStaff, formLimit: '16kb' });
  r.post('/sync', async (req, res) => {
    const launch = launchOf(req);
    const courseId = courseOf(req);
    try {
      const platform = await platformRef(db, launch.platformId);
      const result = await roster.sync(courseId, platform);
      req.log?.info({ courseId: launch.courseId, ...result }, 'roster synced');
      const q = new URLSearchParams({
        notice: 'roster-synced',
        total: String(result.total),
        added: String(result.added),
        updated: String(result.updated),
        deactivated: String(result.deactivated),
        withoutName: String(result.withoutName),
        withoutEmail: String(result.withoutEmail),
        lms: platform.lmsFamily,
      });
      res.redirect(303, `${dashboardPath(launch)}?${q.toString()}#roster`);
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      // The LMS's refusal is shown on the dashboard itself, which still works without a fresh roster.
      req.log?.warn({ courseId: launch.courseId, code: e.code, err: e.message }, 'roster sync failed');
      await renderCourseDashboard(sources, req, res, { status: e.status, syncError: { message: e.message, hint: e.hint } });
    }
  });
  return r;
}
