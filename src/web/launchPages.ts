// Pages inside a launch: /app/:launchId/… . The launch id alone grants nothing: it is
// honoured only with the browser session that made it, and only until it expires.
import { and, eq, isNull, sql } from 'drizzle-orm';
import { type NextFunction, type Request, type Response, Router } from 'express';
import type { IssuerProfileStore } from '../issuer/issuerProfile';
import type { EdcService } from '../edc/edcService';
import type { Db } from '../db/database';
import { launchSessions, ltiUsers } from '../db/schema';
import { assessorPages, filePages } from '../assessment/assessorPages';
import { type LearnerOptions, learnerPages } from '../assessment/learnerPages';
import type { AssessmentStore } from '../assessment/store';
import type { BadgeIssuer } from '../badges/issuance';
import type { HolderCopies } from '../wallets/holderCopies';
import type { VcApiExchanges } from '../wallets/vcApiExchanges';
import { badgeLaunchPages } from '../badges/launchPages';
import { certificateLaunchPages } from '../badges/documentPages';
import type { CourseOutcomeStore, CredentialStore } from '../credentials/store';
import { badgeImagePages } from '../credentials/badgeImagePages';
import { credentialPages } from '../credentials/credentialPages';
import { learningOutcomePages } from '../credentials/learningOutcomePages';
import { outcomePages } from '../credentials/outcomePages';
import { rubricPages } from '../credentials/rubricPages';
import { coordinatorPathwayPages } from '../pathways/designPages';
import { learnerPathwayPages } from '../pathways/learnerPathwayPages';
import type { PathwayStore } from '../pathways/store';
import type { RosterSync } from '../lti/roster';
import type { LtiServiceClient } from '../lti/serviceClient';
import type { Provider } from 'ltijs';
import { DEEP_LINKING_REQUEST } from '../lti/deepLinking';
import { deepLinkingPages, deepLinkLanding } from '../lti/deepLinkingPages';
import { can } from './authz';
import { courseDashboardPages, dashboardPath, renderCourseDashboard } from './courseDashboard';
import { gradePages } from '../grades/gradePages';
import type { GradePassback } from '../grades/passback';
import type { BackgroundJobs } from '../jobs/backgroundJobs';
import type { QaStore } from '../qa/store';
import { qualityPages } from '../qa/qualityPages';
import { localSurveyPrompt, SURVEY_NOTICES, surveyPages } from '../qa/surveyPages';
import type { SurveyStore } from '../qa/surveys';
import { openid4vciLaunchPages } from '../wallets/openid4vciPages';
import type { Oid4vciStore } from '../wallets/openid4vciStore';
import { mailSettingPages } from '../mail/mailPages';
import type { LearnerNotifications } from '../mail/notifications';
import { csrfToken } from './csrf';
import { pageTranslator } from './views';
import { type LaunchContext, launchOf, loadLaunch } from './launchContext';

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
  const launch = launchOf(req);
  const base = `/app/${launch.id}`;
  const dashboard = { href: dashboardPath(launch), ...DASHBOARD_LABELS[launch.appRole] };
  const path = req.originalUrl.split(/[?#]/)[0].replace(/\/+$/, '');
  const links = [
    ...(launch.messageType === DEEP_LINKING_REQUEST && can(launch, 'course:design')
      ? [{ href: `${base}/deep-linking`, labelKey: 'common.launchNav.addToCourse' }]
      : []),
    { href: dashboard.href, labelKey: dashboard.labelKey },
    ...(can(launch, 'course:learn') ? [{ href: `${base}/pathways`, labelKey: 'common.launchNav.myPathways' }] : []),
    // Coordinators design pathways whatever their course role; loadLaunch read the flag with the launch.
    ...(launch.coordinator ? [{ href: `${base}/pathways/design`, labelKey: 'common.launchNav.designPathways' }] : []),
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

/** The name the LMS gave a person, for their own certificate. */
async function learnerName(db: Db, userId: number): Promise<string | undefined> {
  const [user] = await db.select({ name: ltiUsers.name }).from(ltiUsers).where(eq(ltiUsers.id, userId));
  return user?.name ?? undefined;
}

export interface LaunchDeps {
  db: Db;
  publicUrl: string;
  issuer: IssuerProfileStore;
  assessment: AssessmentStore;
  learner: LearnerOptions;
  badges: BadgeIssuer;
  holderCopies: HolderCopies;
  vcApi: VcApiExchanges;
  openid4vci: Oid4vciStore;
  services: LtiServiceClient;
  passback: GradePassback;
  jobs: BackgroundJobs;
  qa: QaStore;
  encryptionKey: Buffer;
  lti: Provider;
  credentials: CredentialStore;
  courseOutcomes: CourseOutcomeStore;
  surveys: SurveyStore;
  roster: RosterSync;
  edc: EdcService;
  mail: LearnerNotifications;
  pathways: PathwayStore;
}

export function launchPages(deps: LaunchDeps): Router {
  const {
    db,
    publicUrl,
    issuer,
    assessment,
    learner,
    badges,
    holderCopies,
    vcApi,
    passback,
    jobs,
    qa,
    encryptionKey,
    lti,
    courseOutcomes,
    surveys,
    roster,
    mail,
  } = deps;
  const credentialStore = deps.credentials;
  // Each capability's pages under /app/:launchId, all behind loadLaunch and the header's links.
  const pages: { path: string; router: Router }[] = [
    { path: '/credentials/:credentialId/my-work', router: learnerPages({ assessment, credentials: credentialStore, surveys, learner }) },
    { path: '/assessments', router: assessorPages({ assessment, credentials: credentialStore }) },
    { path: '/files', router: filePages({ assessment }) },
    {
      path: '/badges',
      router: badgeLaunchPages({ db, badges, holderCopies, vcApi, openid4vci: deps.openid4vci, assessment, publicUrl, encryptionKey, edc: deps.edc, mail }),
    },
    { path: '/mail', router: mailSettingPages({ mail }) },
    { path: '/certificates', router: certificateLaunchPages({ issuer: badges, publicUrl, learnerName: (id) => learnerName(db, id) }) },
    { path: '/outcomes', router: outcomePages({ courseOutcomes }) },
    { path: '/credentials/:credentialId/outcomes', router: learningOutcomePages({ credentials: credentialStore, courseOutcomes }) },
    { path: '/credentials/:credentialId/rubric', router: rubricPages({ credentials: credentialStore }) },
    { path: '/credentials/:credentialId/image', router: badgeImagePages({ credentials: credentialStore }) },
    { path: '/credentials', router: credentialPages({ credentials: credentialStore, issuer, publicUrl }) },
    { path: '/roster', router: courseDashboardPages({ db, credentials: credentialStore, roster }) },
    { path: '/grades', router: gradePages({ db, passback, jobs }) },
    { path: '/deep-linking', router: deepLinkingPages({ db, credentials: credentialStore, publicUrl, lti }) },
    { path: '/quality', router: qualityPages({ qa }) },
    { path: '/surveys', router: surveyPages({ surveys }) },
    { path: '/openid4vci', router: openid4vciLaunchPages({ publicUrl, openid4vci: deps.openid4vci }) },
    // The designer first: /pathways/design is for coordinators, whatever their course role.
    { path: '/pathways/design', router: coordinatorPathwayPages({ pathways: deps.pathways }) },
    { path: '/pathways', router: learnerPathwayPages({ pathways: deps.pathways, verify: (input) => learner.verify(input) }) },
  ];
  const r = Router({ mergeParams: true });
  r.use('/:launchId', loadLaunch(db), launchNavigation);
  for (const { path, router } of pages) r.use(`/:launchId${path}`, router);
  /** The launch's dashboard for its role; `notice`: what the landing has to say about the link. */
  const renderDashboard = async (req: Request, res: Response, linkNotice?: string) => {
    const launch = launchOf(req);
    const t = pageTranslator(res.locals);
    const notice = linkNotice ? t(linkNotice) : undefined;
    const locale = (launch.claims.launchPresentation as { locale?: string } | undefined)?.locale;
    const surveyNotice =
      typeof req.query.survey === 'string' && Object.hasOwn(SURVEY_NOTICES, req.query.survey) ? t(`qa.survey.notice.${req.query.survey}`) : undefined;
    const common = { launch, base: `/app/${launch.id}`, lmsAdmin: Boolean(launch.claims.lmsAdmin), locale, notice: notice ?? surveyNotice };
    if (launch.appRole === 'instructor') return await renderCourseDashboard({ db, credentials: credentialStore }, req, res, { notice });
    if (launch.appRole === 'admin') return res.render('lti/lms-admin', { titleKey: 'lti.lmsAdmin.title', ...common });
    if (launch.courseId === null) return res.render('lti/my-credentials', { titleKey: 'lti.myCredentials.title', ...common, credentials: [], surveys: [] });
    // Learners: the course's credentials with where they stand on each, and the surveys they may answer.
    const courseId = launch.courseId;
    // One query for the credentials and where the learner stands on each; surveys only follow an award.
    const dashboard = await assessment.learnerDashboard(courseId, launch.userId);
    const pending = dashboard.hasAwards
      ? await surveys.pendingFor(
          courseId,
          launch.userId,
          assessment.settings(courseId).then(({ followUpMonths }) => followUpMonths),
        )
      : [];
    const credentials = dashboard.credentials.map((c) => ({
      id: c.id,
      title: c.title ?? t('common.untitledCredential'),
      status: c.awarded ? 'awarded' : (c.status ?? 'not-started'),
    }));
    const surveyLinks = pending.map((s) => ({
      prompt: localSurveyPrompt(t, s.kind, s.credentialTitle, s.followUpMonths),
      href: `${common.base}/surveys/${s.awardId}/${s.kind}`,
    }));
    res.render('lti/my-credentials', {
      titleKey: 'lti.myCredentials.title',
      ...common,
      credentials,
      surveys: surveyLinks,
      csrf: surveyLinks.length ? csrfToken(req) : undefined,
    });
  };

  r.get('/:launchId/dashboard', async (req, res) => {
    await renderDashboard(req, res);
  });

  // Where the launch lands. Deep linking goes to the picker; a placed link opens its credential,
  // on the first landing only: afterwards (a reload, another tab) this is the dashboard.
  r.get('/:launchId', async (req, res) => {
    const launch = launchOf(req);
    const landing = await deepLinkLanding(credentialStore, launch);
    // deepLinkLanding has one notice: the link's credential is not published here.
    const notice = landing.notice ? 'lti.deepLinking.notPublishedHere' : undefined;
    if (!landing.firstLandingOnly) {
      // The destination does not depend on which landing this is: record the first one while
      // the page is prepared, not before (one round trip less on every launch's way in).
      const claimed = claimFirstLanding(db, launch.id);
      claimed.catch(() => undefined); // awaited below; a failure meanwhile must not go unhandled
      if (landing.redirect) {
        await claimed;
        return res.redirect(303, landing.redirect);
      }
      await renderDashboard(req, res, notice);
      await claimed;
      return;
    }
    // Claimed only once the destination is known, so a failure before it leaves the first landing to the retry.
    const first = await claimFirstLanding(db, launch.id);
    if (landing.redirect && first) return res.redirect(303, landing.redirect);
    await renderDashboard(req, res, notice);
  });
  return r;
}
