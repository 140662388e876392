// Roster sync through LTI Names and Role Provisioning Services (NRPS) v2: reads every page
// of the course's membership container, then applies it in one transaction. Reading comes
// first so that a failure half-way (an LMS error, a page that never stops being rate
// limited) changes nothing: the roster is all or nothing.
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/database';
import { courseMembers, courseServices, courses, ltiUsers, platforms } from '../db/schema';
import { AppError, NotFoundError } from '../errors';
import { summariseRoles } from './roles';
import { type LtiServiceClient, type PlatformRef, ServiceError } from './serviceClient';

export type { PlatformRef } from './serviceClient';

export const NRPS_SCOPE = 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly';
export const NRPS_MEDIA_TYPE = 'application/vnd.ims.lti-nrps.v2.membershipcontainer+json';

/** What a sync did. `total` is the number of distinct people in the LMS roster. */
export interface RosterSyncResult {
  total: number;
  added: number;
  updated: number;
  deactivated: number;
  /**
   * People the LMS listed without their names, and without their e-mail address: LMSs leave them
   * out by privacy setting (Moodle's "Delegate to teacher" does for a course roster).
   */
  withoutName: number;
  withoutEmail: number;
}

/** One roster entry, cleaned: empty strings are treated as "not given". */
export interface RosterMember {
  sub: string;
  name?: string;
  givenName?: string;
  familyName?: string;
  email?: string;
  roles: string[];
  /** NRPS status Active (or absent) → active; Inactive or Deleted → inactive. */
  status: 'active' | 'inactive';
}

/** The LMS never gave this course an NRPS endpoint (or not to this tool). */
export class RosterUnavailableError extends AppError {
  constructor() {
    super(
      'The LMS has not offered microcred the roster of this course (the Names and Roles service).',
      409,
      'NRPS_NOT_OFFERED',
      'Open microcred from the course again, or ask your LMS administrator to enable the Names and Roles service for the tool.',
    );
  }
}

/** Reading the roster failed; nothing was changed. The message carries the LMS's own words. */
export class RosterSyncError extends AppError {
  constructor(
    message: string,
    hint = 'Nothing was changed. Try again in a few minutes; if it keeps failing, ask your LMS administrator to check the Names and Roles service for microcred.',
  ) {
    super(message, 502, 'ROSTER_SYNC_FAILED', hint);
  }
}

export interface RosterSyncOptions {
  /** Tries per page while the LMS answers 429 (rate limited). */
  maxTries?: number;
  /** Longest wait honoured from Retry-After, in seconds. */
  maxWaitSeconds?: number;
  /** First wait when the LMS gives no Retry-After; doubles on each further try. */
  defaultWaitSeconds?: number;
  /** A runaway "next" chain must end somewhere. */
  maxPages?: number;
  /** Injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
}

// Key space for pg_advisory_xact_lock(int, int): ("ROST", courseId).
const ROSTER_LOCK = 0x524f5354;
// Rows per INSERT: well below PostgreSQL's 65535 bind parameters.
const CHUNK = 1000;

export class RosterSync {
  private readonly opts: Required<RosterSyncOptions>;

  constructor(
    private readonly db: Db,
    private readonly services: LtiServiceClient,
    opts: RosterSyncOptions = {},
  ) {
    this.opts = {
      maxTries: 5,
      maxWaitSeconds: 30,
      defaultWaitSeconds: 2,
      maxPages: 1000,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      ...opts,
    };
  }

  /** Reads the whole roster from the LMS and brings course_members in line with it. */
  async sync(courseId: number, platform: PlatformRef): Promise<RosterSyncResult> {
    const [course] = await this.db
      .select({ platformId: courses.platformId, membershipsUrl: courseServices.membershipsUrl })
      .from(courses)
      .leftJoin(courseServices, eq(courseServices.courseId, courses.id))
      .where(eq(courses.id, courseId));
    if (!course) throw new NotFoundError('That course does not exist.');
    // Users are keyed by (platform, sub): the wrong platform would create strangers.
    if (course.platformId !== platform.id) throw new Error(`course ${courseId} does not belong to platform ${platform.id}`);
    if (!course.membershipsUrl) throw new RosterUnavailableError();

    const roster = await this.readAll(platform, course.membershipsUrl);
    // An LMS that answers with nobody is far more likely broken than a course that emptied:
    // applying it would mark everyone as having left.
    if (roster.length === 0)
      throw new RosterSyncError(
        'The LMS answered with an empty roster, so nothing was changed.',
        'If the course really has no members, there is nothing to sync. Otherwise ask your LMS administrator to check the Names and Roles service for microcred.',
      );
    return this.apply(courseId, platform.id, roster);
  }

  /** Every page, following Link rel="next"; members deduplicated by user_id (the last page wins). */
  async readAll(platform: PlatformRef, membershipsUrl: string): Promise<RosterMember[]> {
    const origin = new URL(membershipsUrl).origin;
    const bySub = new Map<string, RosterMember>();
    const seen = new Set<string>();
    let url: string | undefined = membershipsUrl;
    while (url) {
      if (seen.has(url)) throw new RosterSyncError('The LMS’s roster pages point back to a page already read, so the roster could not be read to the end.');
      if (seen.size >= this.opts.maxPages)
        throw new RosterSyncError(`The LMS’s roster has more than ${this.opts.maxPages} pages, so it was not read to the end.`);
      seen.add(url);
      const res = await this.fetchPage(platform, url);
      let body: unknown;
      try {
        body = await res.json();
      } catch {
        throw new RosterSyncError('The LMS answered the roster request with something that is not a membership list (not JSON).');
      }
      const members = (body as { members?: unknown })?.members;
      if (!Array.isArray(members)) throw new RosterSyncError('The LMS answered the roster request without a list of members.');
      for (const raw of members) {
        const m = toMember(raw);
        if (m) bySub.set(m.sub, m);
      }
      const next = nextLink(res.headers.get('link'), url);
      // The bearer token goes with every page: never send it to another host.
      if (next && new URL(next).origin !== origin)
        throw new RosterSyncError(`The LMS’s next roster page is on another site (${new URL(next).origin}); it was not followed.`);
      url = next;
    }
    return [...bySub.values()];
  }

  /** One page; a rate-limited page is tried again after the wait the LMS asked for. */
  private async fetchPage(platform: PlatformRef, url: string): Promise<Response> {
    const { maxTries, maxWaitSeconds, defaultWaitSeconds, sleep } = this.opts;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.services.call(platform, [NRPS_SCOPE], url, { headers: { accept: NRPS_MEDIA_TYPE } });
      } catch (e) {
        if (!(e instanceof ServiceError)) throw e;
        const rateLimited = e.retriable && e.status === 429;
        if (!rateLimited || attempt >= maxTries) {
          const why = rateLimited ? ` The LMS still limited the requests after ${maxTries} tries.` : '';
          throw new RosterSyncError(`The roster could not be read from the LMS. ${e.message}${why} Nothing was changed.`);
        }
        const seconds = Math.min(e.retryAfter ?? defaultWaitSeconds * 2 ** (attempt - 1), maxWaitSeconds);
        await sleep(seconds * 1000);
      }
    }
  }

  /** One transaction: users, memberships, departures, and the time of the sync. */
  private async apply(courseId: number, platformId: number, roster: RosterMember[]): Promise<RosterSyncResult> {
    return this.db.transaction(async (tx) => {
      // Two syncs of one course (a double click) run one after the other, not interleaved.
      await tx.execute(sql`SELECT pg_advisory_xact_lock(${ROSTER_LOCK}::int, ${courseId}::int)`);
      const now = new Date();

      // What the course looked like before, to count what changes.
      const before = await tx
        .select({
          sub: ltiUsers.sub,
          name: ltiUsers.name,
          givenName: ltiUsers.givenName,
          familyName: ltiUsers.familyName,
          email: ltiUsers.email,
          appRole: courseMembers.appRole,
          roles: courseMembers.roles,
          status: courseMembers.status,
        })
        .from(courseMembers)
        .innerJoin(ltiUsers, eq(ltiUsers.id, courseMembers.userId))
        .where(eq(courseMembers.courseId, courseId));
      const previous = new Map(before.map((b) => [b.sub, b]));

      // People: NRPS names replace the launch's, but a missing value never blanks a known one
      // (many LMSs leave out email or names by privacy setting).
      const userIds = new Map<string, number>();
      for (const part of chunks(roster)) {
        const rows = await tx
          .insert(ltiUsers)
          .values(
            part.map((m) => ({
              platformId,
              sub: m.sub,
              name: m.name ?? null,
              givenName: m.givenName ?? null,
              familyName: m.familyName ?? null,
              email: m.email ?? null,
            })),
          )
          .onConflictDoUpdate({
            target: [ltiUsers.platformId, ltiUsers.sub],
            set: {
              name: sql`coalesce(excluded.name, ${ltiUsers.name})`,
              givenName: sql`coalesce(excluded.given_name, ${ltiUsers.givenName})`,
              familyName: sql`coalesce(excluded.family_name, ${ltiUsers.familyName})`,
              email: sql`coalesce(excluded.email, ${ltiUsers.email})`,
            },
          })
          .returning({ id: ltiUsers.id, sub: ltiUsers.sub });
        for (const r of rows) userIds.set(r.sub, r.id);
      }

      // Memberships: role and status as the LMS says now. lastLaunchAt stays: only launches set it.
      for (const part of chunks(roster)) {
        await tx
          .insert(courseMembers)
          .values(
            part.map((m) => ({
              courseId,
              userId: userIds.get(m.sub)!,
              appRole: summariseRoles(m.roles).appRole,
              roles: m.roles,
              status: m.status,
              updatedAt: now,
            })),
          )
          .onConflictDoUpdate({
            target: [courseMembers.courseId, courseMembers.userId],
            set: { appRole: sql`excluded.app_role`, roles: sql`excluded.roles`, status: sql`excluded.status`, updatedAt: now },
          });
      }

      let added = 0;
      let updated = 0;
      let deactivated = 0;
      for (const m of roster) {
        const p = previous.get(m.sub);
        if (!p) added++;
        else if (p.status === 'active' && m.status === 'inactive') deactivated++;
        else if (
          p.status !== m.status ||
          p.appRole !== summariseRoles(m.roles).appRole ||
          p.roles.join('\n') !== m.roles.join('\n') ||
          (m.name ?? p.name) !== p.name ||
          (m.givenName ?? p.givenName) !== p.givenName ||
          (m.familyName ?? p.familyName) !== p.familyName ||
          (m.email ?? p.email) !== p.email
        )
          updated++;
      }

      // Everyone the LMS no longer lists has left: inactive, never deleted (their awards stay).
      // A relaunch makes them active again. The ids go as one array parameter, however many.
      const ids = `{${[...userIds.values()].join(',')}}`;
      const gone = await tx
        .update(courseMembers)
        .set({ status: 'inactive', updatedAt: now })
        .where(and(eq(courseMembers.courseId, courseId), eq(courseMembers.status, 'active'), sql`NOT (${courseMembers.userId} = ANY(${ids}::int[]))`))
        .returning({ userId: courseMembers.userId });
      deactivated += gone.length;

      await tx.update(courseServices).set({ lastRosterSyncAt: now }).where(eq(courseServices.courseId, courseId));
      return {
        total: roster.length,
        added,
        updated,
        deactivated,
        withoutName: roster.filter((m) => !m.name && !m.givenName && !m.familyName).length,
        withoutEmail: roster.filter((m) => !m.email).length,
      };
    });
  }
}

/** The platform a launch came from, as the service client needs it. */
export async function platformRef(db: Db, platformId: number): Promise<PlatformRef & { lmsFamily: string }> {
  const [p] = await db
    .select({
      id: platforms.id,
      issuer: platforms.issuer,
      clientId: platforms.clientId,
      accessTokenUrl: platforms.accessTokenUrl,
      lmsFamily: platforms.lmsFamily,
    })
    .from(platforms)
    .where(eq(platforms.id, platformId));
  if (!p) throw new NotFoundError('The LMS of this launch is no longer registered.');
  return p;
}

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim().slice(0, 500) : undefined);

/** A membership from the LMS, or undefined when it has no user_id to key it by. */
export function toMember(raw: unknown): RosterMember | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const r = raw as Record<string, unknown>;
  const sub = typeof r.user_id === 'string' ? r.user_id : typeof r.user_id === 'number' ? String(r.user_id) : undefined;
  if (!sub) return undefined;
  const roles = Array.isArray(r.roles) ? r.roles.filter((x): x is string => typeof x === 'string') : [];
  const status = r.status === 'Inactive' || r.status === 'Deleted' ? 'inactive' : 'active';
  return { sub, name: text(r.name), givenName: text(r.given_name), familyName: text(r.family_name), email: text(r.email), roles, status };
}

export interface LinkValue {
  uri: string;
  /** Relation types, lower-cased (rel="next last" → ['next', 'last']). */
  rel: string[];
  params: Record<string, string>;
}

/**
 * Parses an HTTP Link header (RFC 8288): comma-separated `<uri>; param=value` entries,
 * values quoted or not, commas allowed inside quotes and inside <…>. Relative URIs are
 * resolved against `base`. Malformed entries are skipped, not fatal.
 */
export function parseLinkHeader(header: string | null | undefined, base?: string): LinkValue[] {
  const out: LinkValue[] = [];
  if (!header) return out;
  const s = header;
  let i = 0;
  const skipSpace = () => {
    while (i < s.length && /\s/.test(s[i])) i++;
  };
  const skipToNextEntry = () => {
    let quoted = false;
    while (i < s.length && (quoted || s[i] !== ',')) {
      if (s[i] === '"') quoted = !quoted;
      else if (s[i] === '\\' && quoted) i++;
      i++;
    }
    i++;
  };
  while (i < s.length) {
    skipSpace();
    if (s[i] === ',') {
      i++;
      continue;
    }
    if (s[i] !== '<') {
      skipToNextEntry();
      continue;
    }
    const end = s.indexOf('>', i);
    if (end < 0) break;
    const target = s.slice(i + 1, end).trim();
    i = end + 1;
    const params: Record<string, string> = {};
    for (;;) {
      skipSpace();
      if (s[i] !== ';') break;
      i++;
      skipSpace();
      const nameStart = i;
      while (i < s.length && !/[\s=;,]/.test(s[i])) i++;
      const name = s.slice(nameStart, i).toLowerCase();
      skipSpace();
      let value = '';
      if (s[i] === '=') {
        i++;
        skipSpace();
        if (s[i] === '"') {
          i++;
          while (i < s.length && s[i] !== '"') {
            if (s[i] === '\\' && i + 1 < s.length) i++;
            value += s[i++];
          }
          i++;
        } else {
          const valueStart = i;
          while (i < s.length && !/[;,]/.test(s[i])) i++;
          value = s.slice(valueStart, i).trim();
        }
      }
      // RFC 8288 §3.3: only the first occurrence of a parameter counts.
      if (name && !(name in params)) params[name] = value;
    }
    skipToNextEntry();
    let uri: string;
    try {
      uri = new URL(target, base).toString();
    } catch {
      continue;
    }
    out.push({ uri, rel: (params.rel ?? '').toLowerCase().split(/\s+/).filter(Boolean), params });
  }
  return out;
}

/** The rel="next" target of a Link header, if any. */
export function nextLink(header: string | null | undefined, base?: string): string | undefined {
  return parseLinkHeader(header, base).find((l) => l.rel.includes('next'))?.uri;
}
