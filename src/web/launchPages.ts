// Pages inside a launch: /app/:launchId/… . The launch id alone grants nothing: it is
// honoured only with the browser session that made it, and only until it expires.
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { type NextFunction, type Request, type Response, Router } from 'express';
import type { IssuerProfileStore } from '../issuer/issuerProfile';
import type { Db } from '../db/database';
import { courses, launchSessions, ltiUsers, platforms } from '../db/schema';
import { assessorRouter, fileRouter } from '../assessment/assessorPages';
import { type LearnerOptions, learnerRouter } from '../assessment/learnerPages';
import type { AssessmentStore } from '../assessment/store';
import type { BadgeIssuer } from '../badges/issuance';
import { badgeLaunchRouter } from '../badges/launchPages';
import { CredentialStore } from '../credentials/store';
import { credentialRouter } from '../credentials/credentialPages';
import { learningOutcomeRouter } from '../credentials/learningOutcomePages';
import { outcomeRouter } from '../credentials/outcomePages';
import { rubricRouter } from '../credentials/rubricPages';
import { renderCookiesBlocked } from '../lti/launch';
import type { NewWindow } from '../lti/newWindow';
import type { LtiServiceClient } from '../lti/serviceClient';
import { DEEP_LINKING_REQUEST, deepLinkingRouter, deepLinkLanding } from '../lti/deepLinking';
import { can } from './authz';
import { courseDashboardRouter, dashboardPath, renderCourseDashboard } from './courseDashboard';
import { gradeRouter } from '../grades/gradePages';
import type { GradePassback } from '../grades/passback';
import type { BackgroundJobs } from '../jobs/backgroundJobs';
import type { QaStore } from '../qa/store';
import { qualityRouter } from '../qa/qualityPages';
import { localSurveyPrompt, SURVEY_NOTICES, surveyRouter } from '../qa/surveyPages';
import { SurveyStore } from '../qa/surveys';
import { csrfToken } from './csrf';
import { UnauthorizedError } from '../errors';
import { hashSessionId, SESSION_COOKIE } from './session';
import { pageTranslator } from './views';

export interface LaunchContext {
  id: string;
  platformId: number;
  platformName: string;
  deploymentId: string;
  courseId: number | null;
  courseTitle: string | null;
  userId: number;
  userName: string | null;
  appRole: 'instructor' | 'learner' | 'admin';
  roles: string[];
  /** LtiResourceLinkRequest | LtiDeepLinkingRequest */
  messageType: string;
  claims: Record<string, unknown>;
}

declare module 'express-serve-static-core' {
  interface Request {
    launch?: LaunchContext;
  }
}

export function loadLaunch(db: Db) {
  // Every page inside a launch runs this: prepared once, not rebuilt each time.
  const findLaunch = db
    .select({
      id: launchSessions.id,
      platformId: launchSessions.platformId,
      platformName: platforms.name,
      platformActive: platforms.active,
      deploymentId: launchSessions.deploymentId,
      courseId: launchSessions.courseId,
      courseTitle: courses.title,
      userId: launchSessions.userId,
      userName: ltiUsers.name,
      appRole: launchSessions.appRole,
      roles: launchSessions.roles,
      messageType: launchSessions.messageType,
      claims: launchSessions.claims,
    })
    .from(launchSessions)
    .innerJoin(platforms, eq(platforms.id, launchSessions.platformId))
    .innerJoin(ltiUsers, eq(ltiUsers.id, launchSessions.userId))
    .leftJoin(courses, eq(courses.id, launchSessions.courseId))
    .where(and(eq(launchSessions.id, sql.placeholder('id')), eq(launchSessions.webSessionId, sql.placeholder('webSessionId')), gt(launchSessions.expiresAt, sql.placeholder('now'))))
    .prepare('mc_load_launch');
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const id = req.params.launchId;
      const [row] = await findLaunch.execute({ id, webSessionId: hashSessionId(req.sessionId), now: new Date() });
      if (!row && !req.cookies?.[SESSION_COOKIE]) {
        // A launch that just happened, but the browser sent no session cookie back: it
        // blocks cookies in the LMS frame. Offer a fresh launch in a new window (or say what
        // to set in the LMS) instead of a dead end.
        const [fresh] = await db
          .select({ claims: launchSessions.claims })
          .from(launchSessions)
          .where(and(eq(launchSessions.id, id), gt(launchSessions.createdAt, new Date(Date.now() - 2 * 60 * 1000))));
        if (fresh) {
          const newWindow = (fresh.claims.newWindow as NewWindow | null | undefined) ?? { kind: 'instructions', lms: 'other', deepLinking: false };
          req.log?.warn({ reason: 'COOKIES_BLOCKED', fallback: newWindow.kind }, 'session cookie missing after launch');
          return renderCookiesBlocked(res, newWindow, (fresh.claims.launchPresentation as { locale?: unknown } | undefined)?.locale);
        }
      }
      if (!row || !row.platformActive) {
        throw new UnauthorizedError(
          'Your microcred session has ended or belongs to another browser.',
          'LAUNCH_SESSION_INVALID',
          'Go back to your course in the LMS and open microcred again.',
        );
      }
      const { platformActive: _active, ...launch } = row;
      req.launch = launch as LaunchContext;
      // Every page of the launch, error pages included, speaks the LMS's language.
      res.locals.lmsLocale = (req.launch.claims.launchPresentation as { locale?: string } | undefined)?.locale ?? '';
      next();
    } catch (e) {
      next(e);
    }
  };
}

/**
 * What the header calls each role's dashboard, and the "back" link to it on the pages under it
 * (views/partials/back-to-dashboard.ejs; LMS administrators have no such pages).
 */
const DASHBOARD_LABELS: Record<LaunchContext['appRole'], { labelKey: string; backKey?: string }> = {
  instructor: { labelKey: 'common.launchNav.courseDashboard', backKey: 'common.backToCourse' },
  learner: { labelKey: 'lti.myCredentials.title', backKey: 'common.backToMyCredentials' },
  admin: { labelKey: 'lti.lmsAdmin.title' },
};

/**
 * For every page of the launch, error pages included: the dashboard's address and the header's
 * links (views/layout.ejs). A deep-linking launch also gets its picker, to come back to after
 * creating a credential.
 */
function launchNavigation(req: Request, res: Response, next: NextFunction) {
  const launch = req.launch!;
  const base = `/app/${launch.id}`;
  const dashboard = { href: dashboardPath(launch), ...DASHBOARD_LABELS[launch.appRole] };
  const path = req.originalUrl.split(/[?#]/)[0].replace(/\/+$/, '');
  const links = [
    ...(launch.messageType === DEEP_LINKING_REQUEST && can(launch, 'course:design') ? [{ href: `${base}/deep-linking`, labelKey: 'common.launchNav.addToCourse' }] : []),
    { href: dashboard.href, labelKey: dashboard.labelKey },
  ];
  res.locals.dashboard = dashboard;
  // The launch's own address shows the dashboard too, once it has landed.
  res.locals.launchNav = links.map((l) => ({ ...l, current: l.href === path || (l.href === dashboard.href && path === base) }));
  next();
}

/**
 * True for exactly one request: the launch's first landing. Recorded in the database, so two
 * tabs, a reload or two server processes agree on which one it was.
 */
async function claimFirstLanding(db: Db, launchId: string): Promise<boolean> {
  const claimed = await db
    .update(launchSessions)
    .set({ landedAt: sql`now()` })
    .where(and(eq(launchSessions.id, launchId), isNull(launchSessions.landedAt)))
    .returning({ id: launchSessions.id });
  return claimed.length === 1;
}

export function launchRouter(db: Db, publicUrl: string, issuer: IssuerProfileStore, assessment: AssessmentStore, learner: LearnerOptions, badges: BadgeIssuer, services: LtiServiceClient, grades: { passback: GradePassback; jobs: BackgroundJobs }, qa: QaStore, encryptionKey: Buffer): Router {
  const r = Router({ mergeParams: true });
  r.use('/:launchId', loadLaunch(db), launchNavigation);
  r.use('/:launchId/credentials/:credentialId/my-work', learnerRouter(db, assessment, learner));
  r.use('/:launchId/assessments', assessorRouter(db, assessment));
  r.use('/:launchId/files', fileRouter(assessment));
  r.use('/:launchId/badges', badgeLaunchRouter(db, badges, assessment, publicUrl, encryptionKey));
  r.use('/:launchId/outcomes', outcomeRouter(db));
  r.use('/:launchId/credentials/:credentialId/outcomes', learningOutcomeRouter(db));
  r.use('/:launchId/credentials/:credentialId/rubric', rubricRouter(db));
  r.use('/:launchId/credentials', credentialRouter(db, publicUrl, issuer));
  r.use('/:launchId/roster', courseDashboardRouter(db, services));
  r.use('/:launchId/grades', gradeRouter(db, grades.passback, grades.jobs));
  r.use('/:launchId/deep-linking', deepLinkingRouter(db, publicUrl));
  r.use('/:launchId/quality', qualityRouter(qa));
  const surveys = new SurveyStore(db);
  r.use('/:launchId/surveys', surveyRouter(surveys));
  const credentialStore = new CredentialStore(db);
  /** The launch's dashboard for its role; `notice`: what the landing has to say about the link. */
  const renderDashboard = async (req: Request, res: Response, linkNotice?: string) => {
    const launch = req.launch!;
    const t = pageTranslator(res.locals);
    const notice = linkNotice ? t(linkNotice) : undefined;
    const locale = (launch.claims.launchPresentation as { locale?: string } | undefined)?.locale;
    const surveyNotice = typeof req.query.survey === 'string' && Object.hasOwn(SURVEY_NOTICES, req.query.survey) ? t(`qa.survey.notice.${req.query.survey}`) : undefined;
    const common = { launch, base: `/app/${launch.id}`, lmsAdmin: Boolean(launch.claims.lmsAdmin), locale, notice: notice ?? surveyNotice };
    if (launch.appRole === 'instructor') return await renderCourseDashboard(db, req, res, { notice });
    if (launch.appRole === 'admin') return res.render('lti/lms-admin', { titleKey: 'lti.lmsAdmin.title', ...common });
    if (launch.courseId === null) return res.render('lti/my-credentials', { titleKey: 'lti.myCredentials.title', ...common, credentials: [], surveys: [] });
    // Learners: the course's credentials with where they stand on each, and the surveys they may answer.
    const courseId = launch.courseId;
    const [offered, statuses, awarded, pending] = await Promise.all([
      credentialStore.listForCourse(courseId, { publishedOnly: true }),
      assessment.latestStatusByCredential(courseId, launch.userId),
      assessment.awardsOfLearner(courseId, launch.userId),
      assessment.settings(courseId).then(({ followUpMonths }) => surveys.pendingFor(courseId, launch.userId, followUpMonths)),
    ]);
    const credentials = offered.map((c) => ({
      id: c.id,
      title: (c.published!.definition as { title?: string }).title ?? t('common.untitledCredential'),
      status: awarded.some((a) => a.credentialId === c.id) ? 'awarded' : (statuses.get(c.id) ?? 'not-started'),
    }));
    const surveyLinks = pending.map((s) => ({ prompt: localSurveyPrompt(t, s.kind, s.credentialTitle, s.followUpMonths), href: `${common.base}/surveys/${s.awardId}/${s.kind}` }));
    res.render('lti/my-credentials', { titleKey: 'lti.myCredentials.title', ...common, credentials, surveys: surveyLinks, csrf: surveyLinks.length ? csrfToken(req) : undefined });
  };

  r.get('/:launchId/dashboard', async (req, res, next) => {
    try {
      await renderDashboard(req, res);
    } catch (e) {
      next(e);
    }
  });

  // Where the launch lands. Deep linking goes to the picker; a placed link opens its credential,
  // on the first landing only: afterwards (a reload, another tab) this is the dashboard.
  r.get('/:launchId', async (req, res, next) => {
    try {
      const launch = req.launch!;
      const landing = await deepLinkLanding(db, launch);
      // Claimed only once the destination is known, so a failure before it leaves the first landing to the retry.
      const first = await claimFirstLanding(db, launch.id);
      if (landing.redirect && (first || !landing.firstLandingOnly)) return res.redirect(303, landing.redirect);
      // deepLinkLanding has one notice: the link's credential is not published here.
      await renderDashboard(req, res, landing.notice ? 'lti.deepLinking.notPublishedHere' : undefined);
    } catch (e) {
      next(e);
    }
  });
  return r;
}
