// Pathways in the database: designs (with the readiness gate), coordinators, followers,
// external achievements a coordinator approves, and the composite award. The award is
// exactly once by two guards in PostgreSQL: every check of one learner's pathways runs under
// a transaction advisory lock on that learner (two nodes handling two components' issuance at
// the same moment take turns, and the second sees the first's composite), and the unique
// index on (pathway_id, learner_id) refuses a second row whatever happens.
import { randomBytes } from 'node:crypto';
import { and, asc, desc, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import type { AchievementIssuer } from '../badges/credentialBuilder';
import type { CredentialDefinition } from '../credentials/model';
import type { Db, Tx } from '../db/database';
import { externalAchievements, issuedCredentials, ltiUsers, pathwayAwards, pathwayCoordinators, pathwayFollowers, pathways } from '../db/schema';
import { AppError, ConflictError, NotFoundError } from '../errors';
import { audit, emit } from '../jobs/events';
import { buildClrCredential, type ClrComposite } from './clr';
import { buildCompositeCredential, compositeReadiness } from './composite';
import { describeRules, evaluatePathway, type HeldCredential, type PathwayKind, type PathwayRules, type Progress, rulesProblems } from './pathwayRules';

export type PathwayRow = typeof pathways.$inferSelect;
export type PathwayAwardRow = typeof pathwayAwards.$inferSelect;
export type ExternalAchievementRow = typeof externalAchievements.$inferSelect;

/** Key space of pg_advisory_xact_lock(int, int) for a learner's pathway checks: ("PATH", learnerId). */
const PATHWAY_LOCK = 0x50415448;

/** What the store needs from the badge issuer (src/badges/issuance.ts BadgeIssuer.signOther). */
export interface CompositeSigner {
  signOther(
    build: (ctx: { uuid: string; issuer: AchievementIssuer; status?: { listId: number; index: number } }) => Record<string, unknown>,
    opts: { withStatus: boolean; check?: (credential: Record<string, unknown>) => string[] },
  ): Promise<{ uuid: string; credential: Record<string, unknown>; jwt: string; status?: { listId: number; index: number }; signingKeyId: number }>;
}

/** Sets a status-list bit in the caller's transaction (src/badges/statusLists.ts). */
export interface StatusBits {
  setBit(tx: Tx, listId: number, index: number, revoked: boolean): Promise<void>;
}

export interface PathwayInput {
  title: string;
  description: string;
  kind: PathwayKind;
  rules: PathwayRules;
  definition: CredentialDefinition;
}

/** Who acts: an administrator or a coordinator (an LMS user), as the audit log names them. */
export interface Actor {
  label: string;
  userId: number | null;
}

export interface LearnerPathway {
  pathway: PathwayRow;
  progress: Progress;
  following: boolean;
  award?: PathwayAwardRow;
}

export class PathwayStore {
  constructor(
    private readonly db: Db,
    private readonly opts: { publicUrl: string; signer: CompositeSigner; statusBits: StatusBits },
  ) {}

  // --- Design ---------------------------------------------------------------------------

  async list(filter: { publishedOnly?: boolean } = {}): Promise<PathwayRow[]> {
    return this.db
      .select()
      .from(pathways)
      .where(filter.publishedOnly ? eq(pathways.status, 'published') : sql`true`)
      .orderBy(asc(pathways.title), asc(pathways.id));
  }

  async get(id: number): Promise<PathwayRow> {
    const [row] = await this.db.select().from(pathways).where(eq(pathways.id, id));
    if (!row) throw new NotFoundError('That pathway does not exist.');
    return row;
  }

  async create(input: PathwayInput, actor: Actor): Promise<PathwayRow> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(pathways)
        .values({ ...input, createdBy: actor.label })
        .returning();
      await audit(tx, {
        courseId: null,
        actorId: actor.userId,
        action: 'pathway.saved',
        entityType: 'pathway',
        entityId: row.id,
        after: { title: row.title, by: actor.label },
      });
      return row;
    });
  }

  /** Saves a draft; a published pathway is frozen (learners' progress and composites refer to it). */
  async update(id: number, lockVersion: number, input: PathwayInput, actor: Actor): Promise<PathwayRow> {
    return this.db.transaction(async (tx) => {
      const [current] = await tx.select().from(pathways).where(eq(pathways.id, id)).for('update');
      if (!current) throw new NotFoundError('That pathway does not exist.');
      if (current.status !== 'draft')
        throw new ConflictError(
          'A published pathway cannot be changed.',
          'PATHWAY_FROZEN',
          'Learners’ progress refers to it; archive it and design a new one.',
        );
      if (current.lockVersion !== lockVersion)
        throw new ConflictError(
          'Someone else saved this pathway after you opened it.',
          'STALE_EDIT',
          'Reload the page to see their changes, then make yours again.',
        );
      const [row] = await tx
        .update(pathways)
        .set({ ...input, lockVersion: current.lockVersion + 1, updatedAt: new Date() })
        .where(eq(pathways.id, id))
        .returning();
      await audit(tx, {
        courseId: null,
        actorId: actor.userId,
        action: 'pathway.saved',
        entityType: 'pathway',
        entityId: id,
        after: { title: row.title, by: actor.label },
      });
      return row;
    });
  }

  /** Everything that keeps a draft from being published: its rules and its composite's Annex I elements. */
  readiness(row: Pick<PathwayRow, 'kind' | 'rules' | 'definition'>): {
    ready: boolean;
    problems: { field: string; message: string; label?: string; element?: number }[];
  } {
    // The composite's issues keep their field label apart, so a page can show both in its language.
    const problems = [
      ...rulesProblems(row.kind as PathwayKind, row.rules),
      ...compositeReadiness(row.definition).issues.map((i) => ({ field: i.fieldId, label: i.label, element: i.element, message: i.message })),
    ];
    return { ready: problems.length === 0, problems };
  }

  async publish(id: number, actor: Actor): Promise<PathwayRow> {
    return this.db.transaction(async (tx) => {
      const [current] = await tx.select().from(pathways).where(eq(pathways.id, id)).for('update');
      if (!current) throw new NotFoundError('That pathway does not exist.');
      if (current.status !== 'draft') throw new ConflictError('This pathway is already published.', 'ALREADY_PUBLISHED', 'Reload the page.');
      const { ready, problems } = this.readiness(current);
      const missing = problems.map((p) => (p.label ? `${p.label}: ${p.message}` : p.message)).join(' ');
      if (!ready)
        throw new AppError(
          `This pathway cannot be published yet: ${missing}`,
          422,
          'PATHWAY_NOT_READY',
          'Complete what the readiness panel lists, then publish.',
        );
      const [row] = await tx
        .update(pathways)
        .set({ status: 'published', publishedAt: new Date(), updatedAt: new Date() })
        .where(eq(pathways.id, id))
        .returning();
      await audit(tx, { courseId: null, actorId: actor.userId, action: 'pathway.published', entityType: 'pathway', entityId: id, after: { by: actor.label } });
      return row;
    });
  }

  /** Published micro-credentials of every course: the components a designer can choose. */
  async publishedCredentials(): Promise<{ credentialId: number; courseId: number; title: string; ects?: number; courseTitle: string | null }[]> {
    const rows = await this.db.execute<{ credential_id: number; course_id: number; definition: CredentialDefinition; course_title: string | null }>(sql`
      SELECT v.credential_id, c.course_id, v.definition, co.title AS course_title
      FROM credential_versions v JOIN credentials c ON c.id = v.credential_id JOIN courses co ON co.id = c.course_id
      WHERE v.status = 'published' ORDER BY co.title, v.credential_id`);
    return rows.rows.map((r) => ({
      credentialId: r.credential_id,
      courseId: r.course_id,
      title: r.definition.title ?? `Micro-credential ${r.credential_id}`,
      ...(r.definition.workload?.ects !== undefined ? { ects: r.definition.workload.ects } : {}),
      courseTitle: r.course_title,
    }));
  }

  /** Published pathways for the public catalogue and its feed: components, rules, the composite's Annex I summary. No personal data. */
  async publicFeed(): Promise<Record<string, unknown>[]> {
    const list = await this.list({ publishedOnly: true });
    return list.map((p) => ({
      id: p.id,
      url: `${this.opts.publicUrl}/pathways/${p.id}`,
      title: p.title,
      description: p.description,
      kind: p.kind,
      rules: describeRules(p.kind as PathwayKind, p.rules),
      components: p.rules.components.map((c) => ({
        key: c.key,
        title: c.title,
        ...(c.ref.type === 'internal'
          ? { type: 'micro-credential', credentialId: c.ref.credentialId, catalogueUrl: `${this.opts.publicUrl}/catalogue/${c.ref.credentialId}` }
          : { type: 'external Open Badge', issuerId: c.ref.issuerId, achievementId: c.ref.achievementId }),
        ...(c.minResultPercent !== undefined ? { minResultPercent: c.minResultPercent } : {}),
      })),
      required: p.rules.required,
      groups: p.rules.groups,
      ...(p.rules.minCredits !== undefined ? { minCredits: p.rules.minCredits } : {}),
      ...(p.rules.maxAgeMonths !== undefined ? { maxAgeMonths: p.rules.maxAgeMonths } : {}),
      composite: { title: p.definition.title, ects: p.definition.workload?.ects, eqfLevel: p.definition.level?.eqfLevel },
      publishedAt: p.publishedAt?.toISOString(),
    }));
  }

  // --- Coordinators ---------------------------------------------------------------------

  async isCoordinator(userId: number): Promise<boolean> {
    const [row] = await this.db.select({ userId: pathwayCoordinators.userId }).from(pathwayCoordinators).where(eq(pathwayCoordinators.userId, userId));
    return Boolean(row);
  }

  async coordinators(): Promise<{ userId: number; name: string | null; email: string | null; grantedAt: Date }[]> {
    return this.db
      .select({ userId: pathwayCoordinators.userId, name: ltiUsers.name, email: ltiUsers.email, grantedAt: pathwayCoordinators.grantedAt })
      .from(pathwayCoordinators)
      .innerJoin(ltiUsers, eq(ltiUsers.id, pathwayCoordinators.userId))
      .orderBy(asc(ltiUsers.name));
  }

  /** Grants the role to the LMS user with this email (as their LMS sent it at launch). */
  async grantCoordinator(email: string, adminId: number): Promise<number> {
    const wanted = email.trim().toLowerCase();
    const users = await this.db.select({ id: ltiUsers.id }).from(ltiUsers).where(sql`lower(${ltiUsers.email}) = ${wanted}`);
    if (users.length === 0)
      throw new AppError(
        `No LMS user with the email “${email.trim()}” has launched microcred yet.`,
        422,
        'UNKNOWN_USER',
        'Ask them to open microcred from their LMS once.',
      );
    return this.db.transaction(async (tx) => {
      for (const u of users) {
        await tx.insert(pathwayCoordinators).values({ userId: u.id, grantedBy: adminId }).onConflictDoNothing();
        await audit(tx, {
          courseId: null,
          actorId: null,
          action: 'coordinator.granted',
          entityType: 'lti_user',
          entityId: u.id,
          after: { by: `admin:${adminId}` },
        });
      }
      return users.length;
    });
  }

  async removeCoordinator(userId: number, adminId: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      const gone = await tx.delete(pathwayCoordinators).where(eq(pathwayCoordinators.userId, userId)).returning();
      if (gone.length)
        await audit(tx, {
          courseId: null,
          actorId: null,
          action: 'coordinator.removed',
          entityType: 'lti_user',
          entityId: userId,
          after: { by: `admin:${adminId}` },
        });
    });
  }

  // --- Learners ---------------------------------------------------------------------------

  async follow(pathwayId: number, learnerId: number, following: boolean): Promise<void> {
    const pathway = await this.get(pathwayId);
    if (pathway.status !== 'published') throw new NotFoundError('That pathway is not published.');
    if (following) await this.db.insert(pathwayFollowers).values({ pathwayId, learnerId }).onConflictDoNothing();
    else await this.db.delete(pathwayFollowers).where(and(eq(pathwayFollowers.pathwayId, pathwayId), eq(pathwayFollowers.learnerId, learnerId)));
  }

  /** Everything the learner holds that a pathway may count: our issued credentials and their external ones. */
  async heldCredentials(learnerId: number, tx: Tx = this.db): Promise<(HeldCredential & { name: string })[]> {
    const internal = await tx.execute<{
      id: string;
      credential_id: number;
      issued_at: Date;
      valid_until: Date | null;
      revoked_at: Date | null;
      credits: string | null;
      name: string | null;
      grade_percent: string | null;
      points: string | null;
      max_points: string | null;
    }>(sql`
      SELECT ic.id, ic.credential_id, ic.issued_at, ic.valid_until, ic.revoked_at,
             ic.credential->'credentialSubject'->>'creditsEarned' AS credits, ic.credential->>'name' AS name,
             a.grade->>'percent' AS grade_percent,
             (SELECT sum((r->>'points')::numeric) FROM jsonb_array_elements(a.rubric_results) r) AS points,
             (SELECT sum((r->>'maxPoints')::numeric) FROM jsonb_array_elements(a.rubric_results) r) AS max_points
      FROM issued_credentials ic JOIN awards a ON a.id = ic.award_id
      WHERE ic.learner_id = ${learnerId}`);
    const external = await tx.select().from(externalAchievements).where(eq(externalAchievements.learnerId, learnerId));
    const percent = (r: (typeof internal.rows)[number]) => {
      if (r.grade_percent !== null) return Number(r.grade_percent);
      if (r.points !== null && r.max_points !== null && Number(r.max_points) > 0) return Math.round((Number(r.points) / Number(r.max_points)) * 1000) / 10;
      return undefined;
    };
    return [
      ...internal.rows.map((r) => ({
        id: `urn:uuid:${r.id}`,
        name: r.name ?? 'Micro-credential',
        ref: { type: 'internal' as const, credentialId: r.credential_id },
        issuedAt: new Date(r.issued_at),
        validUntil: r.valid_until ? new Date(r.valid_until) : null,
        revoked: r.revoked_at !== null,
        ...(r.credits !== null ? { credits: Number(r.credits) } : {}),
        ...(percent(r) !== undefined ? { resultPercent: percent(r) } : {}),
        approval: 'approved' as const,
      })),
      ...external.map((e) => ({
        id: e.credentialKey,
        name: e.achievementName,
        ref: { type: 'external' as const, issuerId: e.issuerId, achievementId: e.achievementId },
        issuedAt: e.issuedAt,
        validUntil: e.validUntil,
        revoked: e.report.revoked,
        ...(e.credits !== null ? { credits: Number(e.credits) } : {}),
        approval: e.status as HeldCredential['approval'],
      })),
    ];
  }

  /** The published pathways the learner follows or whose components they hold, with progress now. */
  async forLearner(learnerId: number, now = new Date()): Promise<LearnerPathway[]> {
    const [published, held, followed, awarded] = await Promise.all([
      this.list({ publishedOnly: true }),
      this.heldCredentials(learnerId),
      this.db.select().from(pathwayFollowers).where(eq(pathwayFollowers.learnerId, learnerId)),
      this.db.select().from(pathwayAwards).where(eq(pathwayAwards.learnerId, learnerId)),
    ]);
    return published
      .map((pathway) => ({
        pathway,
        progress: evaluatePathway(pathway.kind as PathwayKind, pathway.rules, held, now),
        following: followed.some((f) => f.pathwayId === pathway.id),
        award: awarded.find((a) => a.pathwayId === pathway.id),
      }))
      .filter((p) => p.following || p.progress.relevant || p.award);
  }

  async awardsOfLearner(learnerId: number): Promise<PathwayAwardRow[]> {
    return this.db.select().from(pathwayAwards).where(eq(pathwayAwards.learnerId, learnerId)).orderBy(desc(pathwayAwards.issuedAt));
  }

  async awardByUuid(uuid: string): Promise<PathwayAwardRow | undefined> {
    if (!/^[0-9a-f-]{36}$/.test(uuid)) return undefined;
    const [row] = await this.db.select().from(pathwayAwards).where(eq(pathwayAwards.uuid, uuid));
    return row;
  }

  // --- The composite award ----------------------------------------------------------------

  /**
   * Brings one learner's pathways up to date (the job every credential.issued,
   * credential.status-changed and external-achievement.decided event starts): composites whose
   * component was revoked are flagged for a coordinator; completed pathways are awarded.
   * Runs under the learner's advisory lock, so checks on two nodes take turns.
   */
  async reconcile(learnerId: number, now = new Date()): Promise<{ awarded: number[]; flagged: number[] }> {
    return this.db.transaction(async (tx) => {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(${PATHWAY_LOCK}::int, ${learnerId}::int)`);
      const held = await this.heldCredentials(learnerId, tx);
      const existing = await tx.select().from(pathwayAwards).where(eq(pathwayAwards.learnerId, learnerId));
      const flagged: number[] = [];
      for (const award of existing) {
        if (award.revokedAt) continue;
        const revoked = award.components.filter((id) => held.find((h) => h.id === id)?.revoked);
        const unseen = revoked.filter((id) => !award.reviewedRevocations.includes(id));
        if (unseen.length === 0 || award.flaggedAt) continue;
        const names = unseen.map((id) => held.find((h) => h.id === id)?.name ?? id);
        const reason = `A component was revoked: ${names.join(', ')}.`;
        await tx.update(pathwayAwards).set({ flaggedAt: now, flagReason: reason }).where(eq(pathwayAwards.id, award.id));
        await audit(tx, {
          courseId: null,
          actorId: null,
          action: 'pathway.flagged',
          entityType: 'pathway_award',
          entityId: award.id,
          after: { reason, components: unseen },
        });
        flagged.push(award.id);
      }
      const awarded: number[] = [];
      const published = await tx.select().from(pathways).where(eq(pathways.status, 'published'));
      for (const pathway of published) {
        if (existing.some((a) => a.pathwayId === pathway.id)) continue;
        const progress = evaluatePathway(pathway.kind as PathwayKind, pathway.rules, held, now);
        if (!progress.complete) continue;
        const id = await this.award(tx, pathway, learnerId, progress, held, now);
        if (id !== undefined) awarded.push(id);
      }
      return { awarded, flagged };
    });
  }

  private async award(tx: Tx, pathway: PathwayRow, learnerId: number, progress: Progress, held: (HeldCredential & { name: string })[], now: Date) {
    const [learner] = await tx.select({ email: ltiUsers.email, sub: ltiUsers.sub }).from(ltiUsers).where(eq(ltiUsers.id, learnerId));
    const components = progress.components
      .filter((c) => c.state === 'earned' && c.credential)
      .map((c) => ({ id: c.credential!.id, name: held.find((h) => h.id === c.credential!.id)?.name ?? c.component.title, credits: c.credits }));
    const signed = await this.opts.signer.signOther(
      ({ uuid, issuer, status }) =>
        buildCompositeCredential({
          uuid,
          publicUrl: this.opts.publicUrl,
          issuer,
          pathway: { id: pathway.id, kind: pathway.kind as PathwayKind, rules: pathway.rules, definition: pathway.definition },
          components,
          credits: progress.credits,
          awardedAt: now,
          learner: { email: learner.email, ltiUserId: learner.sub },
          salt: randomBytes(16).toString('hex'),
          status: status!,
        }),
      { withStatus: true },
    );
    const [row] = await tx
      .insert(pathwayAwards)
      .values({
        pathwayId: pathway.id,
        learnerId,
        uuid: signed.uuid,
        credential: signed.credential,
        jwt: signed.jwt,
        statusListId: signed.status!.listId,
        statusIndex: signed.status!.index,
        signingKeyId: signed.signingKeyId,
        components: components.map((c) => c.id),
        credits: String(progress.credits),
        issuedAt: now,
      })
      .onConflictDoNothing({ target: [pathwayAwards.pathwayId, pathwayAwards.learnerId] })
      .returning({ id: pathwayAwards.id });
    if (!row) return undefined;
    await audit(tx, {
      courseId: null,
      actorId: null,
      action: 'pathway.awarded',
      entityType: 'pathway_award',
      entityId: row.id,
      after: { pathwayId: pathway.id, learnerId, credentialUuid: signed.uuid, components: components.map((c) => c.id), credits: progress.credits },
    });
    await emit(tx, { type: 'pathway.awarded', subjectId: row.id, payload: { pathwayId: pathway.id, learnerId } });
    return row.id;
  }

  /** A coordinator's decision on a flagged composite: keep it (the revoked components are noted) or revoke it. Both need a reason. */
  async decide(awardId: number, decision: 'keep' | 'revoke', reasonInput: unknown, actor: Actor): Promise<PathwayAwardRow> {
    const reason = typeof reasonInput === 'string' ? reasonInput.trim().slice(0, 500) : '';
    if (!reason)
      throw new AppError(
        'Give a reason for the decision: it is recorded in the audit log.',
        422,
        'DECISION_REASON_REQUIRED',
        'Write the reason and decide again.',
      );
    return this.db.transaction(async (tx) => {
      const [current] = await tx.select().from(pathwayAwards).where(eq(pathwayAwards.id, awardId)).for('update');
      if (!current) throw new NotFoundError('That composite credential does not exist.');
      if (!current.flaggedAt) throw new ConflictError('This composite credential is not waiting for a decision.', 'NOT_FLAGGED', 'Reload the page.');
      const revokedIds = (
        await tx
          .select({ id: issuedCredentials.id })
          .from(issuedCredentials)
          .where(
            and(
              inArray(sql`'urn:uuid:' || ${issuedCredentials.id}`, current.components.length ? current.components : ['-']),
              isNotNull(issuedCredentials.revokedAt),
            ),
          )
      ).map((r) => `urn:uuid:${r.id}`);
      const common = {
        flaggedAt: null,
        decidedAt: new Date(),
        decidedBy: actor.label,
        decisionReason: reason,
        reviewedRevocations: [...new Set([...current.reviewedRevocations, ...revokedIds])],
      };
      const [row] = await tx
        .update(pathwayAwards)
        .set(decision === 'keep' ? { ...common, decision: 'kept' } : { ...common, decision: 'revoked', revokedAt: new Date() })
        .where(and(eq(pathwayAwards.id, awardId), isNull(pathwayAwards.revokedAt)))
        .returning();
      if (decision === 'revoke') await this.opts.statusBits.setBit(tx, current.statusListId, current.statusIndex, true);
      await audit(tx, {
        courseId: null,
        actorId: actor.userId,
        action: decision === 'keep' ? 'pathway.kept' : 'pathway.revoked',
        entityType: 'pathway_award',
        entityId: awardId,
        before: { flagReason: current.flagReason },
        after: { decision, reason, by: actor.label },
      });
      return row;
    });
  }

  // --- The learner's record -------------------------------------------------------------

  /**
   * The learner's CLR 2.0: every credential we issued them that is not revoked (components and
   * composites), with the pathways' associations, signed now in both forms. Not stored: it is a
   * snapshot each download makes again.
   */
  async clrFor(learnerId: number): Promise<{ credential: Record<string, unknown>; jwt: string; count: number }> {
    const [learner] = await this.db.select({ email: ltiUsers.email, sub: ltiUsers.sub }).from(ltiUsers).where(eq(ltiUsers.id, learnerId));
    if (!learner) throw new NotFoundError('That learner does not exist.');
    const issued = await this.db
      .select({ credential: issuedCredentials.credential })
      .from(issuedCredentials)
      .where(and(eq(issuedCredentials.learnerId, learnerId), isNull(issuedCredentials.revokedAt)))
      .orderBy(asc(issuedCredentials.issuedAt));
    const composites = await this.db
      .select({ award: pathwayAwards, pathway: pathways })
      .from(pathwayAwards)
      .innerJoin(pathways, eq(pathways.id, pathwayAwards.pathwayId))
      .where(and(eq(pathwayAwards.learnerId, learnerId), isNull(pathwayAwards.revokedAt)))
      .orderBy(asc(pathwayAwards.issuedAt));
    if (issued.length === 0 && composites.length === 0)
      throw new AppError(
        'You hold no credentials from us yet, so there is no record to download.',
        409,
        'NO_CREDENTIALS',
        'Come back once a micro-credential is issued to you.',
      );
    const held = await this.heldCredentials(learnerId);
    const links: ClrComposite[] = composites.map(({ award, pathway }) => {
      const achievementId = String(((award.credential.credentialSubject as Record<string, unknown>).achievement as Record<string, unknown>).id);
      const order =
        pathway.kind === 'rigid'
          ? pathway.rules.required.flatMap((key) => {
              const ref = pathway.rules.components.find((c) => c.key === key)?.ref;
              const match = award.components.find((id) => {
                const h = held.find((x) => x.id === id);
                return h && ref && JSON.stringify(h.ref) === JSON.stringify(ref);
              });
              return match ? [match] : [];
            })
          : undefined;
      return { achievementId, componentCredentialIds: award.components, ...(order ? { order } : {}) };
    });
    const credentials = [...issued.map((r) => r.credential), ...composites.map((c) => c.award.credential)];
    const signed = await this.opts.signer.signOther(
      ({ uuid, issuer }) =>
        buildClrCredential({
          uuid,
          publicUrl: this.opts.publicUrl,
          issuer,
          learner: { email: learner.email, ltiUserId: learner.sub },
          salt: randomBytes(16).toString('hex'),
          credentials,
          composites: links,
          now: new Date(),
        }),
      // The ClrCredential schema is checked by the tests (test/pathways/clr.test.ts); each credential inside passed OB 3.0 when issued.
      { withStatus: false, check: () => [] },
    );
    return { credential: signed.credential, jwt: signed.jwt, count: credentials.length };
  }

  /** Composites waiting for a coordinator's decision, with the pathway and the learner. */
  async flagged() {
    return this.db
      .select({ award: pathwayAwards, pathwayTitle: pathways.title, learnerName: ltiUsers.name })
      .from(pathwayAwards)
      .innerJoin(pathways, eq(pathways.id, pathwayAwards.pathwayId))
      .innerJoin(ltiUsers, eq(ltiUsers.id, pathwayAwards.learnerId))
      .where(and(isNotNull(pathwayAwards.flaggedAt), isNull(pathwayAwards.revokedAt)))
      .orderBy(asc(pathwayAwards.flaggedAt));
  }

  // --- Cohort ----------------------------------------------------------------------------

  /** Learners following a pathway or holding one of its components, with their progress now. */
  async cohort(pathwayId: number, now = new Date()) {
    const pathway = await this.get(pathwayId);
    const componentIds = pathway.rules.components.flatMap((c) => (c.ref.type === 'internal' ? [c.ref.credentialId] : []));
    const followers = await this.db.select({ learnerId: pathwayFollowers.learnerId }).from(pathwayFollowers).where(eq(pathwayFollowers.pathwayId, pathwayId));
    const holders = componentIds.length
      ? await this.db
          .selectDistinct({ learnerId: issuedCredentials.learnerId })
          .from(issuedCredentials)
          .where(inArray(issuedCredentials.credentialId, componentIds))
      : [];
    const externalHolders = await this.db.selectDistinct({ learnerId: externalAchievements.learnerId }).from(externalAchievements);
    const awardsRows = await this.db.select().from(pathwayAwards).where(eq(pathwayAwards.pathwayId, pathwayId));
    const ids = [...new Set([...followers, ...holders, ...externalHolders, ...awardsRows].map((r) => r.learnerId))];
    if (ids.length === 0) return { pathway, learners: [] };
    const people = await this.db.select({ id: ltiUsers.id, name: ltiUsers.name, email: ltiUsers.email }).from(ltiUsers).where(inArray(ltiUsers.id, ids));
    const learners = [];
    for (const person of people) {
      const progress = evaluatePathway(pathway.kind as PathwayKind, pathway.rules, await this.heldCredentials(person.id), now);
      const award = awardsRows.find((a) => a.learnerId === person.id);
      const following = followers.some((f) => f.learnerId === person.id);
      if (!following && !progress.relevant && !award) continue;
      learners.push({ person, progress, following, award });
    }
    learners.sort((a, b) => (a.person.name ?? '').localeCompare(b.person.name ?? ''));
    return { pathway, learners };
  }

  // --- External achievements --------------------------------------------------------------

  async addExternal(
    learnerId: number,
    input: {
      credentialKey: string;
      issuerId: string;
      achievementId: string;
      achievementName: string;
      credential: Record<string, unknown>;
      report: ExternalAchievementRow['report'];
      credits?: number;
      issuedAt: Date;
      validUntil?: Date;
    },
  ): Promise<ExternalAchievementRow> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(externalAchievements)
        .values({ learnerId, ...input, credits: input.credits === undefined ? null : String(input.credits), validUntil: input.validUntil ?? null })
        .onConflictDoNothing()
        .returning();
      if (!row) throw new ConflictError('You have already brought this credential.', 'ALREADY_ADDED', 'It is listed under your external achievements.');
      await audit(tx, {
        courseId: null,
        actorId: learnerId,
        action: 'external-achievement.added',
        entityType: 'external_achievement',
        entityId: row.id,
        after: { issuerId: input.issuerId, achievementId: input.achievementId },
      });
      return row;
    });
  }

  async externalFor(learnerId: number): Promise<ExternalAchievementRow[]> {
    return this.db.select().from(externalAchievements).where(eq(externalAchievements.learnerId, learnerId)).orderBy(desc(externalAchievements.createdAt));
  }

  async pendingExternal(): Promise<(ExternalAchievementRow & { learnerName: string | null })[]> {
    const rows = await this.db
      .select({ e: externalAchievements, learnerName: ltiUsers.name })
      .from(externalAchievements)
      .innerJoin(ltiUsers, eq(ltiUsers.id, externalAchievements.learnerId))
      .where(eq(externalAchievements.status, 'pending'))
      .orderBy(asc(externalAchievements.createdAt));
    return rows.map((r) => ({ ...r.e, learnerName: r.learnerName }));
  }

  /** A coordinator approves or rejects an external achievement; the learner's pathways are checked again by the job its event starts. */
  async decideExternal(id: number, approve: boolean, reasonInput: unknown, actor: Actor): Promise<ExternalAchievementRow> {
    const reason = typeof reasonInput === 'string' ? reasonInput.trim().slice(0, 500) : '';
    if (!approve && !reason)
      throw new AppError('Give a reason for rejecting: the learner sees it.', 422, 'REJECT_REASON_REQUIRED', 'Write the reason and reject again.');
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .update(externalAchievements)
        .set({ status: approve ? 'approved' : 'rejected', decidedBy: actor.label, decisionReason: reason || null, decidedAt: new Date() })
        .where(and(eq(externalAchievements.id, id), eq(externalAchievements.status, 'pending')))
        .returning();
      if (!row) throw new ConflictError('That external achievement is not waiting for a decision.', 'NOT_PENDING', 'Reload the page.');
      await audit(tx, {
        courseId: null,
        actorId: actor.userId,
        action: approve ? 'external-achievement.approved' : 'external-achievement.rejected',
        entityType: 'external_achievement',
        entityId: id,
        after: { reason, by: actor.label },
      });
      await emit(tx, { type: 'external-achievement.decided', subjectId: id, payload: { learnerId: row.learnerId, approved: approve } });
      return row;
    });
  }

  /** Which courses offer a component: the links "what is still missing" gives. */
  async offeringCourses(credentialIds: number[]): Promise<Map<number, { courseId: number; courseTitle: string | null }>> {
    if (credentialIds.length === 0) return new Map();
    const rows = await this.db.execute<{ credential_id: number; course_id: number; title: string | null }>(sql`
      SELECT c.id AS credential_id, c.course_id, co.title FROM credentials c JOIN courses co ON co.id = c.course_id
      WHERE c.id IN (${sql.join(
        credentialIds.map((id) => sql`${id}`),
        sql`, `,
      )})`);
    return new Map(rows.rows.map((r) => [r.credential_id, { courseId: r.course_id, courseTitle: r.title }]));
  }
}
