// Issuing the Open Badges 3.0 credential for an award, and revoking it. Issuing is
// idempotent by award: a repeated or concurrent job finds the credential already there, and
// the unique index on issued_credentials.award_id admits one. A crash before the insert
// leaves nothing but a spent status-list entry (harmless); the job then runs again.
import { randomBytes, randomUUID } from 'node:crypto';
import { and, desc, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Ob3Achievement, Ob3Profile } from '../credentials/achievement';
import type { CredentialDefinition } from '../credentials/model';
import type { Db } from '../db/database';
import { awards, credentialVersions, issuedCredentials, ltiUsers } from '../db/schema';
import { AppError, ConflictError, NotFoundError } from '../errors';
import { audit, emit } from '../jobs/events';
import { conformanceProblems } from './conformance';
import { type AchievementIssuer, achievementIssuer, awardFacts, badgeUrls, buildOpenBadgeCredential, versionAchievement } from './credentialBuilder';
import { type PublishedAchievement, publishedAchievement } from './publishedAchievement';
import { createDocumentLoader, type DocumentLoader, type ExtraResolver } from './documentLoader';
import type { Ed25519KeyPair } from './keys';
import { signBothForms, type Credential } from './sign';
import type { StatusLists } from './statusLists';

export type IssuedCredentialRow = typeof issuedCredentials.$inferSelect;
type EvidenceRow = { id: number; kind: string; title: string; url: string | null; body: string | null; shared: boolean };

/** The issuer's signing keys (src/issuer/signingKeys.ts). */
export interface IssuerKeys {
  activeKeyPair(): Promise<{ row: { id: number }; keyPair: Ed25519KeyPair }>;
  resolver(): ExtraResolver;
}

/** The issuer's profile for credentials (src/issuer/issuerProfile.ts). */
export interface IssuerDetails {
  forIssuance(publicUrl: string, did: string): Promise<{ profile: Ob3Profile; qaPolicyUrl?: string; qaType?: string } | undefined>;
}

/**
 * Test hook (TEST_HOLD_ISSUANCE_AFTER, test mode only): lets `n` issuances through, then holds
 * every further one after its credential is signed and before it is stored, announcing it on
 * stderr, so a crash test can kill the process inside issuance rather than between jobs.
 */
export function holdIssuanceAfter(n: number): (awardId: number) => Promise<void> {
  let passed = 0;
  return (awardId) => {
    if (passed < n) {
      passed++;
      return Promise.resolve();
    }
    console.error(`test hook: issuance of award ${awardId} held after signing`);
    return new Promise<void>(() => undefined);
  };
}

export class IssuerNotReadyError extends Error {
  override name = 'IssuerNotReadyError';
}

export class BadgeIssuer {
  readonly loader: DocumentLoader;

  /** Prepared once: the awards, their versions, learners, evidence and any credential already issued. */
  private readonly awardQuery;

  constructor(
    private readonly db: Db,
    private readonly opts: {
      publicUrl: string;
      did: string;
      keys: IssuerKeys;
      issuer: IssuerDetails;
      statusLists: StatusLists;
      afterSigning?: (awardId: number) => Promise<void>;
      /** Where signing runs (the crypto pool, src/badges/cryptoPool.ts); default: this thread. */
      sign?: (credential: Credential, keyPair: Ed25519KeyPair, loader: DocumentLoader) => Promise<{ credential: Credential; jwt: string }>;
    },
  ) {
    this.loader = createDocumentLoader({ resolve: (url) => opts.keys.resolver()(url) });
    this.awardQuery = db
      .select({
        award: awards,
        version: credentialVersions,
        learner: { email: ltiUsers.email, sub: ltiUsers.sub },
        issued: issuedCredentials,
        evidence: sql<
          EvidenceRow[]
        >`coalesce((SELECT json_agg(e ORDER BY e.position, e.id) FROM (SELECT id, kind, title, url, body, shared, position FROM evidence_items WHERE submission_id = ${awards.submissionId}) e), '[]'::json)`,
      })
      .from(awards)
      .innerJoin(credentialVersions, eq(credentialVersions.id, awards.credentialVersionId))
      .innerJoin(ltiUsers, eq(ltiUsers.id, awards.learnerId))
      .leftJoin(issuedCredentials, eq(issuedCredentials.awardId, awards.id))
      .where(sql`${awards.id} = ANY(${sql.placeholder('awardIds')}::int[])`)
      .prepare('issue_award_facts');
  }

  async forAward(awardId: number): Promise<IssuedCredentialRow | undefined> {
    const [row] = await this.db.select().from(issuedCredentials).where(eq(issuedCredentials.awardId, awardId));
    return row;
  }

  /** Issues the credential for an award once; returns the one that exists if it was issued before. */
  async issueForAward(awardId: number): Promise<IssuedCredentialRow> {
    const outcome = (await this.issueForAwards([awardId])).get(awardId)!;
    if (outcome instanceof Error) throw outcome;
    return outcome;
  }

  /**
   * Issues the credentials of several awards (a batch of issuance jobs): one read for all of
   * them, each signed on its own (in parallel on the crypto pool), one transaction to store
   * them. Each award's outcome is its own: its credential (new, or issued before) or the error
   * that stopped it, so one bad award fails only its own job.
   */
  async issueForAwards(awardIds: number[]): Promise<Map<number, IssuedCredentialRow | Error>> {
    const outcomes = new Map<number, IssuedCredentialRow | Error>();
    const ids = [...new Set(awardIds)];
    // One round trip for everything about the awards, including credentials issued before.
    const rows = new Map((await this.awardQuery.execute({ awardIds: ids })).map((row) => [row.award.id, row]));
    const toIssue: NonNullable<ReturnType<typeof rows.get>>[] = [];
    for (const id of ids) {
      const row = rows.get(id);
      if (!row) outcomes.set(id, new NotFoundError(`Award ${id} does not exist.`));
      else if (row.issued) outcomes.set(id, row.issued);
      else toIssue.push(row);
    }
    if (toIssue.length === 0) return outcomes;
    const issuer = await this.issuerDetails();
    if (!issuer) {
      const notReady = new IssuerNotReadyError(
        'The institution’s issuer profile is not set up yet: an administrator must fill it in (admin console → Issuer profile) before credentials can be issued.',
      );
      for (const row of toIssue) outcomes.set(row.award.id, notReady);
      return outcomes;
    }
    const { row: keyRow, keyPair } = await this.opts.keys.activeKeyPair();
    const statuses = await this.allocateStatuses(toIssue.length);
    const { profile, qaPolicy } = achievementIssuer(issuer);
    // A cohort's awards share their version: its Achievement is built once per batch, not per award.
    const achievements = new Map<number, Ob3Achievement>();
    const achievementOf = (row: (typeof toIssue)[number]) => {
      let achievement = achievements.get(row.version.id);
      if (!achievement) {
        achievement = versionAchievement(this.opts.publicUrl, { ...row.version, credentialId: row.award.credentialId }, { profile, qaPolicy });
        achievements.set(row.version.id, achievement);
      }
      return achievement;
    };
    const signed = await Promise.all(
      toIssue.map(async (row, i) => {
        const awardId = row.award.id;
        const status = statuses[i];
        try {
          const uuid = randomUUID();
          const credential = buildOpenBadgeCredential({
            uuid,
            publicUrl: this.opts.publicUrl,
            issuer: profile,
            qaPolicy,
            ...awardFacts(row),
            achievement: achievementOf(row),
            evidenceCount: row.evidence.length,
            sharedEvidence: row.evidence.filter((item) => item.shared),
            salt: randomBytes(16).toString('hex'),
            status,
          });
          // A credential that fails the schemas is a bug here, not something to hand to a learner.
          const problems = conformanceProblems(credential);
          if (problems.length) throw new Error(`The credential for award ${awardId} does not conform: ${problems.slice(0, 5).join(' ')}`);
          // The Data Integrity proof first, then the JWT over the credential that carries it (OB 3.0 §8.2.1).
          const { credential: withProof, jwt } = await (this.opts.sign ?? signBothForms)(credential, keyPair, this.loader);
          await this.opts.afterSigning?.(awardId);
          return {
            id: uuid,
            awardId,
            courseId: row.award.courseId,
            credentialId: row.award.credentialId,
            learnerId: row.award.learnerId,
            statusListId: status.listId,
            statusIndex: status.index,
            signingKeyId: keyRow.id,
            credential: withProof,
            jwt,
            issuedAt: row.award.awardedAt,
            validUntil: typeof credential.validUntil === 'string' ? new Date(credential.validUntil) : null,
          };
        } catch (error) {
          outcomes.set(awardId, error as Error);
          return undefined;
        }
      }),
    );
    const ready = signed.filter((values) => values !== undefined);
    if (ready.length === 0) return outcomes;
    // The credentials, their audit entries and their events in one transaction; where a
    // concurrent job got there first (the unique award_id), its credential is the outcome.
    const stored = await this.db.transaction(async (tx) => {
      const inserted = await tx
        .insert(issuedCredentials)
        .values(ready)
        .onConflictDoNothing({ target: issuedCredentials.awardId })
        .returning({ awardId: issuedCredentials.awardId });
      const fresh = new Set(inserted.map((r) => r.awardId));
      const mine = ready.filter((values) => fresh.has(values.awardId));
      await audit(
        tx,
        mine.map((values) => ({
          courseId: values.courseId,
          actorId: null,
          action: 'credential.issued' as const,
          entityType: 'award',
          entityId: values.awardId,
          after: { credentialUuid: values.id, statusListId: values.statusListId, statusIndex: values.statusIndex, signingKeyId: keyRow.id },
        })),
      );
      await emit(
        tx,
        mine.map((values) => ({
          type: 'credential.issued' as const,
          subjectId: values.awardId,
          payload: { courseId: values.courseId, credentialId: values.credentialId, learnerId: values.learnerId, awardId: values.awardId },
        })),
      );
      return fresh;
    });
    for (const values of ready)
      if (stored.has(values.awardId))
        outcomes.set(values.awardId, { ...values, revokedAt: null, revocationReason: null, revokedBy: null, statusChangedAt: null });
    const lost = ready.filter((values) => !stored.has(values.awardId)).map((values) => values.awardId);
    if (lost.length)
      for (const row of await this.db.select().from(issuedCredentials).where(inArray(issuedCredentials.awardId, lost))) outcomes.set(row.awardId, row);
    return outcomes;
  }

  /**
   * Signs a credential that is not an award's (a pathway's composite, a learner's CLR) on the
   * same path as every badge: the active key, a status entry from the same lists, and
   * signBothForms. `build` gets the issuer and the entry; the caller stores the result.
   * `check` is the schema the credential must pass first (OB 3.0 for a composite).
   */
  async signOther(
    build: (ctx: { uuid: string; issuer: AchievementIssuer; status?: { listId: number; index: number } }) => Record<string, unknown>,
    opts: { withStatus: boolean; check?: (credential: Record<string, unknown>) => string[] },
  ): Promise<{ uuid: string; credential: Record<string, unknown>; jwt: string; status?: { listId: number; index: number }; signingKeyId: number }> {
    const details = await this.issuerDetails();
    if (!details)
      throw new IssuerNotReadyError(
        'The institution’s issuer profile is not set up yet: an administrator must fill it in (admin console → Issuer profile) before credentials can be issued.',
      );
    const { row: keyRow, keyPair } = await this.opts.keys.activeKeyPair();
    const status = opts.withStatus ? await this.allocateStatus() : undefined;
    const uuid = randomUUID();
    const credential = build({ uuid, issuer: achievementIssuer(details), ...(status ? { status } : {}) });
    const problems = (opts.check ?? conformanceProblems)(credential);
    if (problems.length) throw new Error(`The credential ${uuid} does not conform: ${problems.slice(0, 5).join(' ')}`);
    const { credential: signed, jwt } = await signBothForms(credential, keyPair, this.loader);
    return { uuid, credential: signed, jwt, ...(status ? { status } : {}), signingKeyId: keyRow.id };
  }

  /**
   * The Achievement a published version's URL serves: built by the function that builds the one
   * credentials embed, from the same issuer details, so both are one object (decision 0013).
   * With no issuer profile yet nothing can have been issued; the creator is then the bare DID.
   */
  async publishedAchievement(version: { credentialId: number; versionNo: number; definition: CredentialDefinition }): Promise<PublishedAchievement> {
    const issuer = await this.issuerDetails();
    return publishedAchievement(this.opts.publicUrl, version, issuer ? achievementIssuer(issuer) : { did: this.opts.did });
  }

  private issuerCache?: { at: number; value: Awaited<ReturnType<IssuerDetails['forIssuance']>> };

  /** The issuer profile, re-read at most every 10 s: a profile edit reaches new credentials within that. */
  private async issuerDetails() {
    if (!this.issuerCache || Date.now() - this.issuerCache.at > 10_000) {
      this.issuerCache = { at: Date.now(), value: await this.opts.issuer.forIssuance(this.opts.publicUrl, this.opts.did) };
    }
    return this.issuerCache.value;
  }

  /**
   * Status entries are reserved from the database in blocks, so most credentials need no
   * round trip for one. A block left unused by a restart only leaves unused bits.
   */
  private reserved: { listId: number; index: number }[] = [];

  private async allocateStatus(): Promise<{ listId: number; index: number }> {
    return (await this.allocateStatuses(1))[0];
  }

  /** `count` entries: from the reserved block, topped up by one round trip when it runs short. */
  private async allocateStatuses(count: number): Promise<{ listId: number; index: number }[]> {
    while (this.reserved.length < count) this.reserved.push(...(await this.opts.statusLists.allocateBlock(Math.max(16, count - this.reserved.length))));
    return this.reserved.splice(0, count);
  }

  /** The credential version an award was made for: what its badge image is drawn from (badgePngFor). */
  async versionForAward(awardId: number): Promise<typeof credentialVersions.$inferSelect> {
    const [row] = await this.db
      .select({ version: credentialVersions })
      .from(awards)
      .innerJoin(credentialVersions, eq(credentialVersions.id, awards.credentialVersionId))
      .where(eq(awards.id, awardId));
    if (!row) throw new NotFoundError('There is no award with this id.');
    return row.version;
  }

  async byUuid(uuid: string): Promise<IssuedCredentialRow | undefined> {
    if (!/^[0-9a-f-]{36}$/.test(uuid)) return undefined;
    const [row] = await this.db.select().from(issuedCredentials).where(eq(issuedCredentials.id, uuid));
    return row;
  }

  async forLearner(learnerId: number): Promise<IssuedCredentialRow[]> {
    return this.db.select().from(issuedCredentials).where(eq(issuedCredentials.learnerId, learnerId)).orderBy(desc(issuedCredentials.issuedAt));
  }

  async forCourse(courseId: number): Promise<IssuedCredentialRow[]> {
    return this.db.select().from(issuedCredentials).where(eq(issuedCredentials.courseId, courseId)).orderBy(desc(issuedCredentials.issuedAt));
  }

  async all(limit = 500): Promise<IssuedCredentialRow[]> {
    return this.db.select().from(issuedCredentials).orderBy(desc(issuedCredentials.issuedAt)).limit(limit);
  }

  /**
   * Revokes (revoked = true, with a reason) or reinstates a credential: the record and its
   * status-list bit change in one transaction, so the published list never disagrees.
   * `courseId` limits course staff to their course; admins pass undefined.
   */
  async setRevoked(
    uuid: string,
    revoked: boolean,
    actor: { label: string; userId: number | null },
    reasonInput: unknown,
    courseId?: number,
  ): Promise<IssuedCredentialRow> {
    // A revocation always says why (it goes into the audit log); reinstating needs no reason.
    const reason = typeof reasonInput === 'string' ? reasonInput.trim().slice(0, 500) : '';
    if (revoked && !reason)
      throw new AppError('Give a reason for revoking: it is recorded in the audit log.', 422, 'REASON_REQUIRED', 'Go back, write the reason and revoke again.');
    return this.db.transaction(async (tx) => {
      const scope = courseId === undefined ? eq(issuedCredentials.id, uuid) : and(eq(issuedCredentials.id, uuid), eq(issuedCredentials.courseId, courseId));
      const [current] = await tx.select().from(issuedCredentials).where(scope).for('update');
      if (!current) throw new NotFoundError('That credential does not exist here.');
      if (revoked === (current.revokedAt !== null))
        throw new ConflictError(
          revoked ? 'This credential is already revoked.' : 'This credential is not revoked.',
          'STATUS_UNCHANGED',
          'Reload the page to see its current status.',
        );
      // The gradebook comment follows each change, so each is a newer state (statusChangedAt).
      const changedAt = new Date();
      const [updated] = await tx
        .update(issuedCredentials)
        .set(
          revoked
            ? { revokedAt: changedAt, revocationReason: reason, revokedBy: actor.label, statusChangedAt: changedAt }
            : { revokedAt: null, revocationReason: null, revokedBy: null, statusChangedAt: changedAt },
        )
        .where(and(eq(issuedCredentials.id, uuid), revoked ? isNull(issuedCredentials.revokedAt) : isNotNull(issuedCredentials.revokedAt)))
        .returning();
      await this.opts.statusLists.setBit(tx, current.statusListId, current.statusIndex, revoked);
      // The gradebook comment mentions the badge: let grade passback send the new state.
      // One row per award, re-armed on each change: the relay only needs to know the latest.
      await emit(tx, {
        type: 'credential.status-changed',
        subjectId: current.awardId,
        payload: { courseId: current.courseId, credentialId: current.credentialId, learnerId: current.learnerId, revoked, at: Date.now() },
      });
      await audit(tx, {
        courseId: current.courseId,
        actorId: actor.userId,
        action: revoked ? 'credential.revoked' : 'credential.reinstated',
        entityType: 'award',
        entityId: current.awardId,
        before: { revoked: current.revokedAt !== null, reason: current.revocationReason },
        after: { revoked, reason: revoked ? reason : null, by: actor.label },
      });
      return updated;
    });
  }

  /** The signed status list for /status/<id>. */
  async statusListCredential(listId: number) {
    const { keyPair } = await this.opts.keys.activeKeyPair();
    return this.opts.statusLists.credential(listId, badgeUrls(this.opts.publicUrl).statusList(listId), this.opts.did, keyPair, this.loader);
  }
}
