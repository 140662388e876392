// Which job each outbox event starts, and what the job does: award.created -> issue-credential
// (src/badges/issuance.ts); every change to a learner's grade -> grade-passback
// (src/grades/passback.ts); a badge issued or revoked -> learner-mail (src/mail/notifications.ts) and pathway-check (src/pathways/store.ts). Handlers get the payload types of src/jobs/events.ts, so ids
// arrive as numbers and the chain award -> issuance -> passback is checked by the compiler.
import type { BadgeIssuer } from '../badges/issuance';
import type { GradePassback } from '../grades/passback';
import type { LearnerMailJob, LearnerNotifications } from '../mail/notifications';
import type { PathwayStore } from '../pathways/store';
import type { EventType, LearnerCredential, OutboxEvents } from './events';

/** Each job's name and the data it runs on. */
export type JobData = {
  'issue-credential': OutboxEvents['award.created'];
  /** Sends whatever grade is newest; `at` makes a person's "resend" its own job. */
  'grade-passback': LearnerCredential & { at?: number };
  /** The issued event (awardId) or a status change (revoked, at): each change is its own mail. */
  'learner-mail': LearnerMailJob;
  /** Brings one learner's pathways up to date: awards completed ones, flags those with a revoked component. */
  'pathway-check': { learnerId: number; at?: number };
};

export type JobName = keyof JobData;

/** The event types whose payload is a valid `JobData[Q]`, so they may start job Q. */
type EventsFor<Q extends JobName> = { [E in EventType]: OutboxEvents[E] extends JobData[Q] ? E : never }[EventType];

export interface QueueSpec<Q extends JobName = JobName> {
  /** The outbox event types that start this job. */
  events: EventsFor<Q>[];
  handler: (data: JobData[Q]) => Promise<void>;
  /**
   * Runs a whole batch at once where that saves round trips (one read, one write); answers one
   * outcome per job, in order: undefined when it succeeded, or the error that fails it alone.
   */
  handleBatch?: (batch: JobData[Q][]) => Promise<(Error | undefined)[]>;
  /** A key that makes two sends of the same event one job, e.g. the award id. */
  key: (data: JobData[Q], event: { type: string; subjectId: number }) => string;
  /** Retry delay in seconds before backoff doubles it (default 2). */
  retryDelay?: number;
  /** Jobs fetched and run at once by each worker of this process (default 4). */
  batchSize?: number;
  /** Workers of this process on the queue, each with its own batch (default 1). */
  workers?: number;
}

export type JobTable = { [Q in JobName]: QueueSpec<Q> };

export function jobTable(deps: {
  badges: BadgeIssuer;
  passback: GradePassback;
  mail: LearnerNotifications;
  pathways: PathwayStore;
  /** Threads signing on (src/badges/cryptoPool.ts): an issuance batch keeps each busy. */
  signingThreads: number;
}): JobTable {
  return {
    'issue-credential': {
      events: ['award.created'],
      key: (p) => `award-${p.awardId}`,
      handler: async (p) => void (await deps.badges.issueForAward(p.awardId)),
      handleBatch: async (batch) => {
        const outcomes = await deps.badges.issueForAwards(batch.map((p) => p.awardId));
        return batch.map((p) => {
          const outcome = outcomes.get(p.awardId);
          return outcome instanceof Error ? outcome : undefined;
        });
      },
      batchSize: 8 * Math.max(1, deps.signingThreads),
      workers: 2,
    },
    // Every state change of a learner's grade; the job sends whatever is newest (src/grades/passback.ts).
    'grade-passback': {
      events: ['submission.submitted', 'assessment.decided', 'credential.issued', 'credential.status-changed'],
      key: (p, e) => `${e.type}-${e.subjectId}-${String(p.at ?? '')}`,
      handler: async (p) => void (await deps.passback.send({ courseId: p.courseId, credentialId: p.credentialId, learnerId: p.learnerId })),
      retryDelay: 1,
      batchSize: 16,
    },
    // A refused or unreachable SMTP server fails the job: retried after 2 s, 4 s, 8 s …
    'learner-mail': {
      events: ['credential.issued', 'credential.status-changed'],
      key: (p, e) => `${e.type}-${e.subjectId}-${String(p.at ?? '')}`,
      handler: async (p) => void (await deps.mail.handle(p)),
    },
    // A badge issued or revoked, or an external achievement decided: the learner's pathways are
    // checked again (src/pathways/store.ts reconcile), under the learner's advisory lock.
    'pathway-check': {
      events: ['credential.issued', 'credential.status-changed', 'external-achievement.decided'],
      key: (p, e) => `${e.type}-${e.subjectId}-${String(p.at ?? '')}`,
      handler: async (p) => void (await deps.pathways.reconcile(p.learnerId)),
    },
  };
}
