// The learner-mail job: when a badge is issued or revoked (outbox events 'credential.issued'
// and 'credential.status-changed', src/jobs/jobTable.ts), mail the learner in their LMS's
// language, at the address their LMS gave (launch or roster: lti_users.email), unless they
// opted out. Each mail is recorded (learner_mails, unique per credential and event), so a job
// retried after its mail went out sends nothing twice. Also the opt-out itself.
import { and, desc, eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../db/database';
import { issuedCredentials, launchSessions, learnerMailSettings, learnerMails, ltiUsers } from '../db/schema';
import { resolveLocale, translator } from '../i18n';
import type { LearnerCredential } from '../jobs/events';
import { issuedMail, revokedMail } from './learnerMail';
import type { Mailer } from './mailer';
import { unsubscribeToken } from './unsubscribe';

/** What the learner-mail job runs on: the issued event's payload or the status change's. */
export type LearnerMailJob = LearnerCredential & { awardId?: number; revoked?: boolean; at?: number };

export type MailOutcome = 'sent' | 'already-sent' | 'mail-off' | 'opted-out' | 'no-address' | 'nothing-to-say' | 'no-credential';

export class LearnerNotifications {
  constructor(
    private readonly db: Db,
    private readonly mailer: Mailer,
    private readonly opts: { publicUrl: string; encryptionKey: Buffer; log: Logger },
  ) {}

  get enabled(): boolean {
    return this.mailer.enabled;
  }

  /** For the admin console: whether mail goes out, and from which address. */
  status(): { enabled: boolean; from: string } {
    return { enabled: this.mailer.enabled, from: this.mailer.from };
  }

  unsubscribeUrl(learnerId: number): string {
    return `${this.opts.publicUrl}/mail/unsubscribe/${unsubscribeToken(this.opts.encryptionKey, learnerId)}`;
  }

  async optedOut(learnerId: number): Promise<boolean> {
    const [row] = await this.db.select().from(learnerMailSettings).where(eq(learnerMailSettings.learnerId, learnerId));
    return row?.optedOut ?? false;
  }

  async setOptedOut(learnerId: number, optedOut: boolean): Promise<void> {
    await this.db
      .insert(learnerMailSettings)
      .values({ learnerId, optedOut })
      .onConflictDoUpdate({ target: learnerMailSettings.learnerId, set: { optedOut, updatedAt: new Date() } });
  }

  /** The job's work; throws when the SMTP server refuses or is unreachable, so pg-boss retries. */
  async handle(job: LearnerMailJob): Promise<MailOutcome> {
    const log = this.opts.log;
    // A reinstatement says nothing new to the learner: the badge is valid again, as they knew it.
    if (job.revoked === false) return 'nothing-to-say';
    const [row] = await this.db
      .select({ credential: issuedCredentials, learner: ltiUsers })
      .from(issuedCredentials)
      .innerJoin(ltiUsers, eq(ltiUsers.id, issuedCredentials.learnerId))
      .where(
        job.awardId !== undefined
          ? eq(issuedCredentials.awardId, job.awardId)
          : and(eq(issuedCredentials.credentialId, job.credentialId), eq(issuedCredentials.learnerId, job.learnerId)),
      );
    if (!row) return 'no-credential';
    const { credential: issued, learner } = row;
    if (job.revoked && !issued.revokedAt) return 'nothing-to-say';
    if (!this.mailer.enabled) {
      log.info({ learnerId: learner.id, credential: issued.id }, 'no mail sent to the learner: SMTP_URL is not set');
      return 'mail-off';
    }
    if (await this.optedOut(learner.id)) return 'opted-out';
    if (!learner.email) return 'no-address';
    const eventKey = job.revoked ? `revoked-${job.at ?? 0}` : 'issued';
    const [sent] = await this.db
      .select({ id: learnerMails.id })
      .from(learnerMails)
      .where(and(eq(learnerMails.issuedCredentialId, issued.id), eq(learnerMails.eventKey, eventKey)));
    if (sent) return 'already-sent';

    const lang = await this.languageOf(learner.id);
    const c = issued.credential as { name?: string; issuer?: { name?: string } };
    const share = `${this.opts.publicUrl}/credentials/${issued.id}`;
    const facts = {
      to: learner.email,
      lang,
      learnerName: learner.name,
      title: c.name ?? 'Micro-credential',
      issuerName: c.issuer?.name ?? '',
      shareUrl: share,
      certificateUrl: `${share}/certificate.pdf`,
      jsonUrl: `${share}.json?download=1`,
      unsubscribeUrl: this.unsubscribeUrl(learner.id),
      reason: issued.revocationReason,
    };
    const t = translator(lang);
    await this.mailer.send(job.revoked ? revokedMail(t, facts) : issuedMail(t, facts));
    await this.db.insert(learnerMails).values({ issuedCredentialId: issued.id, eventKey, toAddress: learner.email, locale: lang }).onConflictDoNothing();
    log.info({ learnerId: learner.id, credential: issued.id, event: eventKey }, 'mail sent to the learner');
    return 'sent';
  }

  /** The language of the learner's latest launch (launch_presentation.locale), else English. */
  private async languageOf(learnerId: number): Promise<string> {
    const [latest] = await this.db
      .select({ claims: launchSessions.claims })
      .from(launchSessions)
      .where(eq(launchSessions.userId, learnerId))
      .orderBy(desc(launchSessions.createdAt))
      .limit(1);
    return resolveLocale((latest?.claims.launchPresentation as { locale?: string } | undefined)?.locale);
  }
}
