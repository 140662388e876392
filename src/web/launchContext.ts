// The launch a page runs in: who, in which course, with which role. Loaded once per request
// from the launch session (loadLaunch); pages read it through launchOf(req), never req.launch!,
// so a page mounted outside a launch fails with the same 401 instead of a TypeError.
import { and, eq, gt, sql } from 'drizzle-orm';
import type { NextFunction, Request, Response } from 'express';
import type { Db } from '../db/database';
import { courses, launchSessions, ltiUsers, pathwayCoordinators, platforms } from '../db/schema';
import { UnauthorizedError } from '../errors';
import { renderCookiesBlocked } from '../lti/launchPages';
import type { NewWindow } from '../lti/newWindow';
import { hashSessionId, SESSION_COOKIE } from './session';

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
  /** A programme coordinator (pathway_coordinators), read with the launch: the header links to the designer. */
  coordinator: boolean;
}

declare module 'express-serve-static-core' {
  interface Request {
    launch?: LaunchContext;
    /** The launch's row, asked for with the session cookie before the session was loaded (prefetchLaunch). */
    launchPrefetch?: { id: string; sid: string; rows: Promise<LaunchRow[]> };
  }
}

type LaunchRow = Awaited<ReturnType<ReturnType<typeof launchQuery>['execute']>>[number];

/** Every page inside a launch runs this: prepared once per database, not rebuilt each time. */
const launchQueries = new WeakMap<Db, ReturnType<typeof launchQuery>>();
function findLaunchIn(db: Db) {
  let query = launchQueries.get(db);
  if (!query) launchQueries.set(db, (query = launchQuery(db)));
  return query;
}

function launchQuery(db: Db) {
  return db
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
      // In the same query (no extra round trip per page): the header needs it on every page.
      coordinator: sql<boolean>`${pathwayCoordinators.userId} IS NOT NULL`,
    })
    .from(launchSessions)
    .innerJoin(platforms, eq(platforms.id, launchSessions.platformId))
    .innerJoin(ltiUsers, eq(ltiUsers.id, launchSessions.userId))
    .leftJoin(courses, eq(courses.id, launchSessions.courseId))
    .leftJoin(pathwayCoordinators, eq(pathwayCoordinators.userId, launchSessions.userId))
    .where(
      and(
        eq(launchSessions.id, sql.placeholder('id')),
        eq(launchSessions.webSessionId, sql.placeholder('webSessionId')),
        gt(launchSessions.expiresAt, sql.placeholder('now')),
      ),
    )
    .prepare('mc_load_launch');
}

/**
 * Before the session middleware, for /app/:launchId: asks for the launch bound to the session
 * cookie's id while the session itself is being loaded, so a launch page waits for one round
 * trip, not two. loadLaunch uses the answer only if the session kept that id (a cookie without
 * a live session gets a new id, to which no launch is bound); otherwise it asks again.
 */
export function prefetchLaunch(db: Db) {
  const findLaunch = findLaunchIn(db);
  return (req: Request, _res: Response, next: NextFunction) => {
    const sid = req.cookies?.[SESSION_COOKIE];
    const id = req.params.launchId;
    if (typeof sid === 'string' && sid && typeof id === 'string' && !req.launchPrefetch) {
      const rows = findLaunch.execute({ id, webSessionId: hashSessionId(sid), now: new Date() });
      rows.catch(() => undefined); // awaited by loadLaunch; a request that never gets there must not leave it unhandled
      req.launchPrefetch = { id, sid, rows };
    }
    next();
  };
}

export function loadLaunch(db: Db) {
  const findLaunch = findLaunchIn(db);
  return async (req: Request, res: Response, next: NextFunction) => {
    const id = req.params.launchId;
    const prefetched = req.launchPrefetch;
    const [row] =
      prefetched && prefetched.id === id && prefetched.sid === req.sessionId
        ? await prefetched.rows
        : await findLaunch.execute({ id, webSessionId: hashSessionId(req.sessionId), now: new Date() });
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
      throw launchSessionInvalid();
    }
    const { platformActive: _active, ...launch } = row;
    req.launch = launch as LaunchContext;
    // Every page of the launch, error pages included, speaks the LMS's language.
    res.locals.lmsLocale = (req.launch.claims.launchPresentation as { locale?: string } | undefined)?.locale ?? '';
    next();
  };
}

function launchSessionInvalid() {
  return new UnauthorizedError(
    'Your microcred session has ended or belongs to another browser.',
    'LAUNCH_SESSION_INVALID',
    'Go back to your course in the LMS and open microcred again.',
  );
}

/** The launch of a page mounted under loadLaunch. */
export function launchOf(req: Request): LaunchContext {
  if (!req.launch) throw launchSessionInvalid();
  return req.launch;
}

/**
 * The launch's course, for pages behind a course capability (requireCapability refuses a launch
 * without one before any of them runs).
 */
export function courseOf(req: Request): number {
  const { courseId } = launchOf(req);
  if (courseId === null) throw launchSessionInvalid();
  return courseId;
}

/** The address of the launch's pages: /app/<launchId>. */
export const launchBase = (req: Request) => `/app/${launchOf(req).id}`;
