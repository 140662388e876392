// Learner surveys (issue 7): the one data access for them, and the holder code that lets a
// badge holder answer the follow-up from the public share page after leaving the LMS.
//
// Two tables keep "who" and "what" apart: survey_participation records THAT a learner
// answered or declined a survey of an award (so it is asked once), survey_responses holds the
// answers with no learner, no award and only the month. Both are written in one transaction,
// and the participation row's primary key is what makes a second answer impossible.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { and, eq, inArray, type SQL, sql } from 'drizzle-orm';
import { DEFAULT_SETTINGS } from '../assessment/store';
import { type Db, isUniqueViolation, type Tx } from '../db/database';
import { purposeKey } from '../db/secrets';
import { awards, courseAssessmentSettings, credentialVersions, issuedCredentials, surveyParticipation, surveyResponses } from '../db/schema';
import { ConflictError, NotFoundError } from '../errors';
import { addMonths } from './store';
import type { SurveyAnswers, SurveyKind } from './surveyForm';

/**
 * Where one survey of one award stands:
 * open (may be answered now) · answered · declined · not-due (follow-up, too early) ·
 * revoked (the badge was revoked: it is not asked about any more).
 */
export type SurveyStatus = 'open' | 'answered' | 'declined' | 'not-due' | 'revoked';

export interface SurveyState {
  awardId: number;
  kind: SurveyKind;
  courseId: number;
  credentialId: number;
  credentialTitle: string;
  /** The issued credential's UUID, once the badge is issued. */
  credentialUuid: string | null;
  followUpMonths: number;
  /** When the survey may be answered: the award date, or the award date + followUpMonths. */
  dueAt: Date;
  /** The badge was revoked (whatever the status says about an earlier answer). */
  revoked: boolean;
  status: SurveyStatus;
}

/** One award with what is needed to tell where its surveys stand. */
interface AwardRow {
  awardId: number;
  courseId: number;
  learnerId: number;
  credentialId: number;
  credentialTitle: string | null;
  awardedAt: Date;
  credentialUuid: string | null;
  revokedAt: Date | null;
  followUpMonths: number | null;
}

/** The current month in UTC, the only time stored with an answer. */
export const monthOf = (now: Date): string => now.toISOString().slice(0, 7);

function stateOf(row: AwardRow, kind: SurveyKind, outcome: string | undefined, followUpMonths: number, now: Date): SurveyState {
  const dueAt = kind === 'award' ? row.awardedAt : addMonths(row.awardedAt, followUpMonths);
  let status: SurveyStatus;
  if (outcome === 'answered' || outcome === 'declined') status = outcome;
  else if (row.revokedAt) status = 'revoked';
  else if (dueAt > now) status = 'not-due';
  else status = 'open';
  return {
    awardId: row.awardId,
    kind,
    courseId: row.courseId,
    credentialId: row.credentialId,
    credentialTitle: row.credentialTitle ?? 'Untitled micro-credential',
    credentialUuid: row.credentialUuid,
    followUpMonths,
    dueAt,
    revoked: row.revokedAt !== null,
    status,
  };
}

const NOT_YOURS = () => new NotFoundError('There is no such survey for you.', 'SURVEY_NOT_FOUND', 'Open the survey from “My credentials” in this course.');

export class SurveyStore {
  constructor(private readonly db: Db) {}

  /** Awards with their credential title, badge and the course's follow-up delay. */
  private async awardRows(where: SQL | undefined, db: Tx = this.db): Promise<AwardRow[]> {
    return db
      .select({
        awardId: awards.id,
        courseId: awards.courseId,
        learnerId: awards.learnerId,
        credentialId: awards.credentialId,
        credentialTitle: sql<string | null>`${credentialVersions.definition}->>'title'`,
        awardedAt: awards.awardedAt,
        credentialUuid: issuedCredentials.id,
        revokedAt: issuedCredentials.revokedAt,
        followUpMonths: courseAssessmentSettings.followUpMonths,
      })
      .from(awards)
      .innerJoin(credentialVersions, eq(credentialVersions.id, awards.credentialVersionId))
      .leftJoin(issuedCredentials, eq(issuedCredentials.awardId, awards.id))
      .leftJoin(courseAssessmentSettings, eq(courseAssessmentSettings.courseId, awards.courseId))
      .where(where)
      .orderBy(awards.awardedAt, awards.id);
  }

  /** award id → kind → outcome, for the given awards. */
  private async outcomes(awardIds: number[], db: Tx = this.db): Promise<Map<number, Map<string, string>>> {
    const out = new Map<number, Map<string, string>>();
    if (awardIds.length === 0) return out;
    const rows = await db.select().from(surveyParticipation).where(inArray(surveyParticipation.awardId, awardIds));
    for (const r of rows) {
      if (!out.has(r.awardId)) out.set(r.awardId, new Map());
      out.get(r.awardId)!.set(r.kind, r.outcome);
    }
    return out;
  }

  private async statesOf(rows: AwardRow[], followUpMonths: number | undefined, now: Date, db: Tx = this.db): Promise<SurveyState[]> {
    const outcomes = await this.outcomes(
      rows.map((r) => r.awardId),
      db,
    );
    return rows.flatMap((row) =>
      (['award', 'follow-up'] as const).map((kind) =>
        stateOf(row, kind, outcomes.get(row.awardId)?.get(kind), followUpMonths ?? row.followUpMonths ?? DEFAULT_SETTINGS.followUpMonths, now),
      ),
    );
  }

  /**
   * The surveys this learner may answer now in this course: the award survey of each award
   * not yet answered or declined, and the follow-up once `followUpMonths` have passed.
   * Awards whose badge was revoked are left out. `followUpMonths` may still be on its way (the
   * course's settings): the awards are read meanwhile.
   */
  async pendingFor(courseId: number, learnerId: number, followUpMonths: number | Promise<number>, now = new Date()): Promise<SurveyState[]> {
    const [rows, months] = await Promise.all([this.awardRows(and(eq(awards.courseId, courseId), eq(awards.learnerId, learnerId))), followUpMonths]);
    return (await this.statesOf(rows, months, now)).filter((s) => s.status === 'open');
  }

  /** One survey of one of this learner's awards in this course. NotFoundError if the award is not theirs. */
  async survey(courseId: number, learnerId: number, awardId: number, kind: SurveyKind, now = new Date(), db: Tx = this.db): Promise<SurveyState> {
    const rows = await this.awardRows(and(eq(awards.id, awardId), eq(awards.courseId, courseId), eq(awards.learnerId, learnerId)), db);
    if (rows.length === 0) throw NOT_YOURS();
    return (await this.statesOf(rows, undefined, now, db)).find((s) => s.kind === kind)!;
  }

  /** The follow-up of the award behind an issued credential, for its holder's public page. */
  async followUpOfCredential(credentialUuid: string, now = new Date()): Promise<(SurveyState & { learnerId: number }) | undefined> {
    const [row] = await this.awardRows(eq(issuedCredentials.id, credentialUuid));
    if (!row) return undefined;
    const [, followUp] = await this.statesOf([row], undefined, now);
    return { ...followUp, learnerId: row.learnerId };
  }

  /**
   * Records an answer: the participation row (who answered) and the anonymous response
   * (what was answered), in one transaction. A second answer, even a concurrent one, hits the
   * participation row's primary key and is refused, so exactly one response is ever stored.
   */
  async answer(courseId: number, learnerId: number, awardId: number, kind: SurveyKind, answers: SurveyAnswers, now = new Date()): Promise<void> {
    await this.db.transaction(async (tx) => {
      const state = await this.survey(courseId, learnerId, awardId, kind, now, tx);
      assertOpen(state);
      try {
        await tx.insert(surveyParticipation).values({ awardId, kind, outcome: 'answered', at: now });
      } catch (e) {
        if (isUniqueViolation(e)) throw alreadyDone(kind);
        throw e;
      }
      await tx.insert(surveyResponses).values({
        courseId: state.courseId,
        credentialId: state.credentialId,
        kind,
        satisfaction: kind === 'award' ? answers.satisfaction : null,
        relevance: kind === 'award' ? answers.relevance : null,
        recommend: kind === 'award' ? answers.recommend : null,
        applied: kind === 'follow-up' ? answers.applied : null,
        comment: answers.comment,
        month: monthOf(now),
      });
    });
  }

  /**
   * "No thanks": the survey is not asked again and nothing is stored about the answers.
   * Idempotent: declining twice, or after answering, changes nothing.
   */
  async decline(courseId: number, learnerId: number, awardId: number, kind: SurveyKind, now = new Date()): Promise<void> {
    await this.survey(courseId, learnerId, awardId, kind, now);
    await this.db.insert(surveyParticipation).values({ awardId, kind, outcome: 'declined', at: now }).onConflictDoNothing();
  }
}

function alreadyDone(kind: SurveyKind, outcome: 'answered' | 'declined' = 'answered') {
  const what = kind === 'award' ? 'this survey' : 'this follow-up survey';
  return new ConflictError(
    outcome === 'answered' ? `You have already answered ${what}. Thank you!` : `You chose not to answer ${what}, so it is closed.`,
    'SURVEY_ALREADY_ANSWERED',
    'Each survey is asked once and your first answer was kept. Nothing else needs doing.',
  );
}

/** Refuses anything but an open survey, with a message that says why. */
export function assertOpen(state: SurveyState): void {
  switch (state.status) {
    case 'open':
      return;
    case 'answered':
    case 'declined':
      throw alreadyDone(state.kind, state.status);
    case 'revoked':
      throw new ConflictError(
        'This badge has been revoked, so its survey is closed.',
        'SURVEY_CLOSED',
        'Ask your course’s teachers if you think the revocation is a mistake.',
      );
    case 'not-due':
      throw new ConflictError(
        `The follow-up survey opens on ${state.dueAt.toISOString().slice(0, 10)}.`,
        'SURVEY_NOT_DUE',
        `It asks whether you have used what you learned, so it waits ${state.followUpMonths} month${state.followUpMonths === 1 ? '' : 's'} after the award. Come back then.`,
      );
  }
}

// --- Holder code --------------------------------------------------------------------
//
// The share page is public, so answering the follow-up from it needs proof of holding the
// badge: a short code only the learner sees (on "My badges" in the LMS). It is an HMAC of
// the credential's UUID under a key derived from ENCRYPTION_KEY for this purpose alone, so
// nothing is stored and a code for one badge says nothing about another.

const HOLDER_CODE_PURPOSE = 'survey-holder-code';
const HOLDER_CODE_LENGTH = 12;
/** RFC 4648 base32: upper case letters and 2–7, easy to read out and type. */
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** The holder code of an issued credential: 12 base32 characters (60 bits). */
export function holderCode(encryptionKey: Buffer, credentialUuid: string): string {
  return base32(createHmac('sha256', purposeKey(encryptionKey, HOLDER_CODE_PURPOSE)).update(credentialUuid).digest()).slice(0, HOLDER_CODE_LENGTH);
}

/** What a person typed, made comparable: case, spaces and dashes do not matter. */
export const normaliseHolderCode = (typed: string): string => typed.toUpperCase().replace(/[\s-]/g, '');

/** Whether `typed` is the credential's holder code, compared in constant time. */
export function holderCodeMatches(encryptionKey: Buffer, credentialUuid: string, typed: unknown): boolean {
  if (typeof typed !== 'string') return false;
  const expected = Buffer.from(holderCode(encryptionKey, credentialUuid));
  const given = Buffer.from(normaliseHolderCode(typed));
  return given.length === expected.length && timingSafeEqual(given, expected);
}
