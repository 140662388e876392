// Server-side browser sessions. The cookie carries a random id; the database keeps
// only its SHA-256, so a copy of the table cannot be replayed as cookies.
//
// The cookie is always `Secure; SameSite=None; Partitioned`: the tool lives inside an
// LMS iframe on another site. Browsers accept Secure cookies on http://localhost, so
// development works without TLS; in production TLS ends at the proxy (trust proxy).
//
// Every stored session holds its form token (`csrf`, src/web/csrf.ts) from its first write, so
// pages loaded at once all read the same one instead of each writing its own.
import { createHash, randomBytes } from 'node:crypto';
import { eq, lt, sql } from 'drizzle-orm';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Db } from '../db/database';
import { webSessions } from '../db/schema';
import { newCsrfToken } from './csrf';

export const SESSION_COOKIE = 'mc_sid';
const IDLE_SECONDS = 8 * 60 * 60;

export interface SessionData {
  /** The form token; kept from the first write on, and carried over by a launch (src/lti/launchPages.ts). */
  csrf?: string;
  /** passport's slot */
  passport?: { user?: number };
  [key: string]: unknown;
}

export interface Session extends SessionData {
  regenerate(cb: (err?: unknown) => void): void;
  save(cb?: (err?: unknown) => void): void;
  destroy(cb?: (err?: unknown) => void): void;
  /**
   * The web_sessions row as it stands, for a caller that writes it in a statement of its own
   * (the launch: one round trip with the launch's rows). Once that statement succeeded, it
   * calls stored(), and the session is not written again when the response ends.
   */
  row(): { sid: string; data: SessionData; expiresAt: Date; stored(): void };
}

declare module 'express-serve-static-core' {
  interface Request {
    session: Session;
    /** The raw session id; launch sessions are bound to it. */
    sessionId: string;
  }
}

const hash = (sid: string) => createHash('sha256').update(sid).digest('base64url');

export function sessionCookieHeader(name: string, value: string, maxAgeSeconds: number): string {
  return `${name}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; Secure; SameSite=None; Partitioned`;
}

function appendSetCookie(res: Response, cookie: string) {
  const prev = res.getHeader('Set-Cookie');
  const list = prev === undefined ? [] : Array.isArray(prev) ? prev : [String(prev)];
  res.setHeader('Set-Cookie', [...list.filter((c) => !c.startsWith(`${SESSION_COOKIE}=`)), cookie]);
}

export function sessionMiddleware(db: Db): RequestHandler {
  let lastSweep = 0;
  // Every request with a cookie runs this: prepared once, not rebuilt each time.
  const findSession = db
    .select()
    .from(webSessions)
    .where(eq(webSessions.sid, sql.placeholder('sid')))
    .prepare('mc_find_web_session');
  return async (req: Request, res: Response, next: NextFunction) => {
    if (req.session) return next(); // already loaded on this request
    // Its own try: csrfProtection calls it directly, outside the express layers that forward rejections.
    try {
      const cookieSid = req.cookies?.[SESSION_COOKIE] as string | undefined;
      let sid = cookieSid && /^[A-Za-z0-9_-]{43}$/.test(cookieSid) ? cookieSid : undefined;
      let stored: SessionData = {};
      let storedExpiry = 0;
      if (sid) {
        const [row] = await findSession.execute({ sid: hash(sid) });
        if (row && row.expiresAt > new Date()) {
          stored = row.data as SessionData;
          storedExpiry = row.expiresAt.getTime();
          // Stored before sessions had a token from the start: give it one in the database, where
          // concurrent requests agree on the first (a key already there wins the `||`).
          if (typeof stored.csrf !== 'string') {
            const [ensured] = await db
              .update(webSessions)
              .set({ data: sql`jsonb_build_object('csrf', ${newCsrfToken()}::text) || ${webSessions.data}` })
              .where(eq(webSessions.sid, row.sid))
              .returning({ data: webSessions.data });
            if (ensured) stored = ensured.data as SessionData;
          }
        } else sid = undefined;
      }
      let isNew = !sid;
      // Whether a row for currentSid may exist in web_sessions (loaded, or written since).
      let hasRow = !isNew;
      let currentSid = sid ?? randomBytes(32).toString('base64url');
      let destroyed = false;
      let snapshot = JSON.stringify(stored);

      const METHODS = ['regenerate', 'save', 'destroy', 'row'];
      const dataOf = () => {
        const data = { ...session } as Record<string, unknown>;
        for (const k of METHODS) delete data[k];
        return data;
      };
      const persist = async () => {
        if (destroyed) return;
        const data = dataOf();
        const json = JSON.stringify(data);
        // Untouched anonymous sessions are not stored: crawlers and health checks stay cheap.
        if (isNew && json === '{}') return;
        if (typeof data.csrf !== 'string') data.csrf = session.csrf = newCsrfToken();
        // Unchanged and recently extended: no write on every page view.
        if (!isNew && json === snapshot && storedExpiry - Date.now() > (IDLE_SECONDS - 5 * 60) * 1000) return;
        const expiresAt = new Date(Date.now() + IDLE_SECONDS * 1000);
        await db
          .insert(webSessions)
          .values({ sid: hash(currentSid), data, expiresAt })
          .onConflictDoUpdate({ target: webSessions.sid, set: { data, expiresAt } });
        hasRow = true;
        if (isNew || json !== snapshot) appendSetCookie(res, sessionCookieHeader(SESSION_COOKIE, currentSid, IDLE_SECONDS));
        isNew = false;
      };

      const session: Session = Object.assign(Object.create(null), stored, {
        regenerate(cb: (err?: unknown) => void) {
          const old = currentSid;
          for (const k of Object.keys(session)) if (!METHODS.includes(k)) delete session[k];
          currentSid = randomBytes(32).toString('base64url');
          req.sessionId = currentSid;
          isNew = true;
          // A session never stored has no row to delete (a first launch in this browser).
          if (!hasRow) return void process.nextTick(cb);
          hasRow = false;
          db.delete(webSessions)
            .where(eq(webSessions.sid, hash(old)))
            .then(() => cb(), cb);
        },
        save(cb?: (err?: unknown) => void) {
          persist().then(
            () => cb?.(),
            (e) => cb?.(e),
          );
        },
        row() {
          if (typeof session.csrf !== 'string') session.csrf = newCsrfToken();
          const data = dataOf();
          const expiresAt = new Date(Date.now() + IDLE_SECONDS * 1000);
          const sidNow = currentSid;
          return {
            sid: hash(sidNow),
            data,
            expiresAt,
            stored() {
              if (destroyed || sidNow !== currentSid) return;
              const changed = isNew || JSON.stringify(data) !== snapshot;
              hasRow = true;
              isNew = false;
              snapshot = JSON.stringify(data);
              storedExpiry = expiresAt.getTime();
              if (changed) appendSetCookie(res, sessionCookieHeader(SESSION_COOKIE, currentSid, IDLE_SECONDS));
            },
          };
        },
        destroy(cb?: (err?: unknown) => void) {
          destroyed = true;
          appendSetCookie(res, sessionCookieHeader(SESSION_COOKIE, '', 0));
          db.delete(webSessions)
            .where(eq(webSessions.sid, hash(currentSid)))
            .then(
              () => cb?.(),
              (e) => cb?.(e),
            );
        },
      });
      req.session = session;
      req.sessionId = currentSid;

      // Persist before the response head goes out, so Set-Cookie can still be added.
      const end = res.end.bind(res) as (...a: unknown[]) => Response;
      let ended = false;
      (res as unknown as { end: (...a: unknown[]) => Response }).end = (...args: unknown[]) => {
        if (ended) return res;
        ended = true;
        persist().then(
          () => end(...args),
          (err) => {
            req.log?.error({ err }, 'session save failed');
            end(...args);
          },
        );
        return res;
      };

      if (Date.now() - lastSweep > 10 * 60 * 1000) {
        lastSweep = Date.now();
        void db
          .delete(webSessions)
          .where(lt(webSessions.expiresAt, new Date()))
          .catch(() => undefined);
      }
      next();
    } catch (err) {
      next(err);
    }
  };
}

export { hash as hashSessionId };
