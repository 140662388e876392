// The deep-linking pages of a launch: the picker a teacher chooses a credential in, the signed
// answer that goes back to the LMS, and where a launch of a placed link lands. The protocol's
// pieces (content item, settings, placed credential) are in deepLinking.ts.
import { eq } from 'drizzle-orm';
import type { Request, Response, NextFunction, Router } from 'express';
import type { Provider } from 'ltijs';
import type { Db } from '../db/database';
import { launchSessions, ltiUsers, platforms } from '../db/schema';
import type { CredentialStore } from '../credentials/store';
import { can } from '../web/authz';
import { csrfToken } from '../web/csrf';
import { AppError, BadRequestError, ForbiddenError, NotFoundError } from '../errors';
import { courseOf, type LaunchContext, launchOf } from '../web/launchContext';
import { pageTranslator } from '../web/views';
import {
  acceptsResourceLinks,
  contentItemFor,
  credentialSummary,
  DEEP_LINKING_REQUEST,
  type DeepLinkingSettings,
  parseId,
  placedCredentialId,
} from './deepLinking';
import { type ServiceContext, signDeepLinkingResponse } from './services';
import { launchPageRouter } from '../web/launchPageRouter';

export interface DeepLinkingDeps {
  db: Db;
  credentials: CredentialStore;
  publicUrl: string;
  /** The ltijs Provider that signs the answer: the app's own, never a global one. */
  lti: Provider;
}

/**
 * Where /app/<launchId> should send this launch instead of its dashboard: a deep-linking
 * launch to the picker, every time (choosing is what it is for); a launch of a placed link to
 * its credential (teachers to its page, learners to their work on it, once published), on its
 * first landing only, so the dashboard stays reachable. A notice when the link names nothing usable.
 */
export async function deepLinkLanding(
  credentials: CredentialStore,
  launch: LaunchContext,
): Promise<{ redirect?: string; firstLandingOnly?: boolean; notice?: string }> {
  const base = `/app/${launch.id}`;
  if (launch.messageType === DEEP_LINKING_REQUEST) return { redirect: `${base}/deep-linking` };
  const id = placedCredentialId(launch.claims.custom);
  if (id === undefined || launch.courseId === null) return {};
  // A link copied with its course to another one names a credential of the old course: not found here.
  const cred = await credentials.get(launch.courseId, id).catch((e: unknown) => {
    if (e instanceof NotFoundError) return undefined;
    throw e;
  });
  const notice = 'The micro-credential this link points to is not published in this course.';
  if (!cred) return { notice };
  // Teachers see drafts too, so the credential's own page is useful to them either way.
  if (launch.appRole === 'instructor') return { redirect: `${base}/credentials/${id}`, firstLandingOnly: true };
  if (launch.appRole === 'learner' && cred.published) return { redirect: `${base}/credentials/${id}/my-work`, firstLandingOnly: true };
  return { notice };
}

/** The deep-linking request behind this launch, with what ltijs needs to sign the answer. */
async function deepLinkingRequest(db: Db, launch: LaunchContext): Promise<{ settings: DeepLinkingSettings; ctx: ServiceContext }> {
  const [row] = await db
    .select({ messageType: launchSessions.messageType, issuer: platforms.issuer, clientId: platforms.clientId, sub: ltiUsers.sub })
    .from(launchSessions)
    .innerJoin(platforms, eq(platforms.id, launchSessions.platformId))
    .innerJoin(ltiUsers, eq(ltiUsers.id, launchSessions.userId))
    .where(eq(launchSessions.id, launch.id));
  const settings = launch.claims.deepLinking as DeepLinkingSettings | null | undefined;
  if (row?.messageType !== DEEP_LINKING_REQUEST || !settings) {
    throw new BadRequestError(
      'This page is for adding a micro-credential to your course from the LMS.',
      'NOT_DEEP_LINKING',
      'In your LMS, add an activity or link and choose microcred as the tool.',
    );
  }
  let returnUrl: URL | undefined;
  try {
    returnUrl = new URL(settings.deep_link_return_url);
  } catch {
    /* reported below */
  }
  if (!returnUrl || !['https:', 'http:'].includes(returnUrl.protocol)) {
    throw new BadRequestError(
      'The LMS did not say where to send your choice back to.',
      'NO_DEEP_LINK_RETURN_URL',
      'Start adding the activity again from your LMS.',
    );
  }
  const claims = launch.claims as ServiceContext['claims'];
  return {
    settings,
    ctx: {
      issuer: row.issuer,
      clientId: row.clientId,
      deploymentId: launch.deploymentId,
      userSub: row.sub,
      claims: { ags: claims.ags ?? null, nrps: claims.nrps ?? null, deepLinking: settings },
    },
  };
}

/** The response form posts to the LMS, whose origin the CSP's form-action may not list yet. */
function allowFormActionTo(res: Response, url: string) {
  const csp = res.getHeader('Content-Security-Policy');
  if (typeof csp !== 'string') return;
  const origin = new URL(url).origin;
  res.setHeader(
    'Content-Security-Policy',
    csp.replace(/form-action ([^;]*)/, (all, list: string) => (list.split(' ').includes(origin) ? all : `form-action ${list} ${origin}`)),
  );
}

const onlyTeachers = (req: Request, _res: Response, next: NextFunction) => {
  if (req.launch && can(req.launch, 'course:design')) return next();
  next(
    new ForbiddenError(
      'Only the course’s teachers can add micro-credentials to the course in the LMS.',
      'ROLE_NOT_ALLOWED',
      'If you teach this course, add the activity with your teacher role. Learners reach the credentials from the links their teachers placed.',
    ),
  );
};

/** /app/:launchId/deep-linking: the picker (GET) and the choice (POST). */
export function deepLinkingPages({ db, credentials: store, publicUrl, lti }: DeepLinkingDeps): Router {
  const r = launchPageRouter({ access: onlyTeachers, formLimit: '16kb' });

  r.get('/', async (req, res) => {
    const launch = launchOf(req);
    const { settings } = await deepLinkingRequest(db, launch);
    const all = await store.listForCourse(courseOf(req));
    const t = pageTranslator(res.locals);
    const credentials = all
      .filter((c) => c.published)
      .map((c) => {
        const def = c.published!.definition;
        return { id: c.id, title: def.title || t('common.untitledCredential'), versionNo: c.published!.versionNo, summary: credentialSummary(def) };
      });
    res.render('lti/deep-linking', {
      titleKey: 'lti.deepLinking.title',
      launch,
      base: `/app/${launch.id}`,
      csrf: csrfToken(req),
      credentials,
      unpublished: all.filter((c) => !c.published).length,
      acceptsResourceLinks: acceptsResourceLinks(settings),
      acceptTypes: settings.accept_types ?? [],
    });
  });

  r.post('/', async (req, res) => {
    const launch = launchOf(req);
    const { settings, ctx } = await deepLinkingRequest(db, launch);
    if (!acceptsResourceLinks(settings)) {
      throw new AppError(
        'Your LMS does not accept tool links at this place, so nothing can be added here.',
        422,
        'RESOURCE_LINKS_NOT_ACCEPTED',
        'Add microcred as an activity (external tool) in a course section instead, e.g. "Add an activity" in Moodle or "Assignments" in Canvas.',
      );
    }
    const id = parseId(req.body?.credentialId);
    if (id === undefined) throw new NotFoundError('That credential does not exist in this course.');
    // Published only: learners must be able to open what the link points to.
    const cred = await store.get(courseOf(req), id, { publishedOnly: true });
    const def = cred.published!.definition;
    const item = contentItemFor(id, def, settings, publicUrl);
    const jwt = await signDeepLinkingResponse(lti, ctx, [item], {
      message: pageTranslator(res.locals)('lti.deepLinking.added', { title: item.title }),
      log: `microcred credential ${id} version ${cred.published!.versionNo}`,
    });
    allowFormActionTo(res, settings.deep_link_return_url);
    req.log?.info({ credentialId: id }, 'deep-linking response sent');
    res.render('lti/deep-linking-return', {
      titleKey: 'lti.deepLinking.returnTitle',
      launch,
      base: `/app/${launch.id}`,
      returnUrl: settings.deep_link_return_url,
      jwt,
      credentialTitle: item.title,
    });
  });

  return r;
}
