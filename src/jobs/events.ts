// The outbox's vocabulary and its one writer. Each event a transaction announces is named
// here with the payload it carries, so the chain award -> issuance -> grade passback can be
// followed by type (src/jobs/jobTable.ts says which job each event starts). The audit log is
// written here too: an event and its audit row belong to the same transaction.
import { sql } from 'drizzle-orm';
import type { Tx } from '../db/database';
import { auditLog, outboxEvents } from '../db/schema';

/** The learner and credential a grade belongs to: every event that moves a grade names them. */
export type LearnerCredential = {
  courseId: number;
  credentialId: number;
  learnerId: number;
};

/** Each outbox event type and the payload it carries (type aliases: a payload is a JSON object). */
export type OutboxEvents = {
  'submission.submitted': LearnerCredential & { submissionId: number; attemptNo: number };
  'assessment.decided': LearnerCredential & {
    submissionId: number;
    decision: 'accept' | 'return' | 'reject';
    points: number;
    maxPoints: number;
    percent: number;
  };
  'award.created': LearnerCredential & { awardId: number; credentialVersionId: number };
  'credential.issued': LearnerCredential & { awardId: number };
  /** `at` tells one change from the next: each is its own grade-passback job. */
  'credential.status-changed': LearnerCredential & { revoked: boolean; at: number };
  /** A pathway's composite credential was awarded (subject: the pathway award). */
  'pathway.awarded': { pathwayId: number; learnerId: number };
  /** A coordinator approved or rejected an external achievement (subject: its row): the learner's pathways are checked again. */
  'external-achievement.decided': { learnerId: number; approved: boolean };
};

export type EventType = keyof OutboxEvents;

/** One outbox row: its type, the entity it is about (one row per type and subject) and its payload. */
export type OutboxEvent<T extends EventType = EventType> = { [K in T]: { type: K; subjectId: number; payload: OutboxEvents[K] } }[T];

/**
 * Events whose row is re-armed by every new one (the job needs only the latest state);
 * every other event is written once per subject and a repeat is ignored.
 */
const latestWins: ReadonlySet<EventType> = new Set<EventType>(['credential.status-changed']);

/**
 * Writes outbox events in the caller's transaction (one statement for a batch of one kind); the
 * relay (src/jobs/backgroundJobs.ts) queues their jobs after commit.
 */
export async function emit(tx: Tx, event: OutboxEvent | OutboxEvent[]): Promise<void> {
  const events = Array.isArray(event) ? event : [event];
  const rows = (wins: boolean) => events.filter((e) => latestWins.has(e.type) === wins).map(({ type, subjectId, payload }) => ({ type, subjectId, payload }));
  const [once, rearmed] = [rows(false), rows(true)];
  if (once.length) await tx.insert(outboxEvents).values(once).onConflictDoNothing();
  if (rearmed.length)
    await tx
      .insert(outboxEvents)
      .values(rearmed)
      .onConflictDoUpdate({
        target: [outboxEvents.type, outboxEvents.subjectId],
        set: { payload: sql`excluded.payload`, dispatchedAt: null, createdAt: sql`excluded.created_at` },
      });
}

/** Everything the audit log records, by what happened. */
export type AuditAction =
  | 'settings.changed'
  | 'submission.started'
  | 'submission.resubmission-started'
  | 'evidence.added'
  | 'evidence.removed'
  | 'submission.submitted'
  | 'assessment.decided'
  | 'identity.recorded'
  | 'award.created'
  | 'second-marking.requested'
  | 'second-marking.completed'
  | 'submission.reassigned'
  | 'credential.issued'
  | 'credential.revoked'
  | 'credential.reinstated'
  | 'credential.holder-copy-issued'
  | 'pathway.saved'
  | 'pathway.published'
  | 'pathway.archived'
  | 'pathway.awarded'
  | 'pathway.flagged'
  | 'pathway.kept'
  | 'pathway.revoked'
  | 'coordinator.granted'
  | 'coordinator.removed'
  | 'external-achievement.added'
  | 'external-achievement.approved'
  | 'external-achievement.rejected'
  | 'outbound-allow.added'
  | 'outbound-allow.removed';

export interface AuditEntry {
  /** null for institution-wide changes (e.g. the outbound allow-list). */
  courseId: number | null;
  actorId: number | null;
  action: AuditAction;
  entityType: string;
  entityId: number;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
}

/** Appends to the audit log (the table refuses changes and deletions); a batch in one statement. */
export async function audit(tx: Tx, entry: AuditEntry | AuditEntry[]): Promise<void> {
  const entries = Array.isArray(entry) ? entry : [entry];
  if (entries.length) await tx.insert(auditLog).values(entries.map((e) => ({ ...e, before: e.before ?? null, after: e.after ?? null })));
}
