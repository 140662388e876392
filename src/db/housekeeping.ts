// Deletes what has served its purpose: used or stale logins, expired launch sessions,
// abandoned platform-storage tickets, old registration links, VC-API exchanges a day past
// their expiry (the copies they delivered stay). Runs hourly and at start.
import { lt, or, isNotNull, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from './database';
import {
  launchSessions,
  ltiLogins,
  oid4vciOffers,
  oid4vciUsedNonces,
  pendingLaunches,
  rateLimitCounters,
  registrationLinks,
  vcApiExchanges,
  webSessions,
} from './schema';

export async function sweep(db: Db): Promise<Record<string, number>> {
  const dayAgo = sql`now() - interval '1 day'`;
  const counts: Record<string, number> = {};
  counts.logins = (await db.delete(ltiLogins).where(lt(ltiLogins.createdAt, dayAgo)).returning({ s: ltiLogins.state })).length;
  counts.launchSessions = (await db.delete(launchSessions).where(lt(launchSessions.expiresAt, sql`now()`)).returning({ id: launchSessions.id })).length;
  counts.pendingLaunches = (
    await db.delete(pendingLaunches).where(lt(pendingLaunches.createdAt, sql`now() - interval '10 minutes'`)).returning({ t: pendingLaunches.ticketHash })
  ).length;
  counts.registrationLinks = (
    await db
      .delete(registrationLinks)
      .where(or(lt(registrationLinks.expiresAt, dayAgo), isNotNull(registrationLinks.usedAt)))
      .returning({ t: registrationLinks.tokenHash })
  ).length;
  counts.vcApiExchanges = (await db.delete(vcApiExchanges).where(lt(vcApiExchanges.expiresAt, dayAgo)).returning({ id: vcApiExchanges.id })).length;
  counts.webSessions = (await db.delete(webSessions).where(lt(webSessions.expiresAt, sql`now()`)).returning({ s: webSessions.sid })).length;
  // OpenID4VCI: offers a day after they lapsed (their deliveries go with them), spent nonces
  // once they could no longer be accepted anyway, rate-limit windows that have closed.
  counts.oid4vciOffers = (await db.delete(oid4vciOffers).where(lt(oid4vciOffers.expiresAt, dayAgo)).returning({ id: oid4vciOffers.id })).length;
  counts.oid4vciNonces = (
    await db.delete(oid4vciUsedNonces).where(lt(oid4vciUsedNonces.expiresAt, sql`now()`)).returning({ h: oid4vciUsedNonces.nonceHash })
  ).length;
  counts.rateLimits = (await db.delete(rateLimitCounters).where(lt(rateLimitCounters.expiresAt, sql`now()`)).returning({ k: rateLimitCounters.key })).length;
  return counts;
}

/** Sweeps once (awaited, so start-up leaves a clean slate), then hourly. Returns the stopper. */
export async function startHousekeeping(db: Db, log: Logger): Promise<() => void> {
  const run = () =>
    sweep(db).then(
      (counts) => log.debug({ counts }, 'housekeeping'),
      (err) => log.warn({ err }, 'housekeeping failed'),
    );
  await run();
  const timer = setInterval(run, 60 * 60 * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
